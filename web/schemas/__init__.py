"""marshmallow schemas of the REST API: every request body, query string and answer.

web/api/operation.py loads requests through them; web/api/openapi.py generates the
OpenAPI document from them.  One module per concern, as web/api is split:

- ``base``: the error body, paging, pages of items, and the field types every module uses;
- ``auth``, ``cases``, ``tasks``, ``definitions``, ``calendar``, ``supervision``,
  ``shared_data``, ``verbs``: the requests and answers of the blueprint of that name.

Request schemas are named for the request (``StartCase``), answer schemas for what they
describe (``Case``).  Answers list the fields a client may rely on; more may be present
(API.md: clients ignore what they don't know).
"""
