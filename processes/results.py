"""What a concluded case gives the applicant (办理结果): the matter's declared result fields.

A matter declares the values its outcome consists of — the new 不动产权证书号 of a
property transfer, the 统一社会信用代码 of a business startup — as paths into the case
data, in one of two places:

- its catalogue entry (``processes/<key>/matter.json``)::

      "results": [
        {"field": "new_certificate_no", "name": {"zh": "不动产权证书号", "en": "..."}}
      ]

- or, for a matter drawn in a modeler and deployed without a catalogue entry, the
  process's extension property ``results``: ``field=名称`` pairs separated by commas
  (``new_certificate_no=不动产权证书号, registered_on=登簿日期``; a bare ``field`` is
  named by itself).

A path may go into nested objects (``issued.e_license.license_no``).  The catalogue wins
when both declare.  A matter that declares none shows what its departments issued (the
``issued`` records of the case data, the last department's result), as before.

Pure Python: the case page, the result notice and the 办结通知书 all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The process extension property of a matter outside the catalogue.
RESULTS_PROPERTY = "results"


@dataclass(frozen=True)
class ResultField:
    """One value of the outcome: where it is in the case data, and its name."""

    field: str
    name: dict[str, str]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultField:
        field = str(data["field"]).strip()
        name = dict(data.get("name") or {})
        if not field or not name.get("zh"):
            raise ValueError("a result field needs a field path and a Chinese name")
        return cls(field=field, name=name)

    def title(self, lang: str = "zh") -> str:
        return self.name.get(lang) or self.name.get("zh") or self.field


def parse_property(value: str | None) -> tuple[ResultField, ...]:
    """``field=名称, field2=名称2`` (the BPMN property) as result fields."""
    fields = []
    for part in (value or "").split(","):
        path, _, title = part.strip().partition("=")
        path, title = path.strip(), title.strip()
        if path:
            fields.append(ResultField(field=path, name={"zh": title or path}))
    return tuple(fields)


def lookup(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of the case data, or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def declared(catalogued: tuple[ResultField, ...], properties: dict[str, Any] | None) -> tuple:
    """The matter's result fields: its catalogue entry's, else its process property's."""
    if catalogued:
        return catalogued
    return parse_property((properties or {}).get(RESULTS_PROPERTY))


def outcome(
    fields: tuple[ResultField, ...], data: dict[str, Any], lang: str = "zh"
) -> list[dict[str, Any]]:
    """The declared result fields that hold a value, as ``{field, name, value}`` rows;
    without declared fields, the records the case issued (``{name: provider, value: key}``)."""
    if fields:
        rows = []
        for field in fields:
            value = lookup(data, field.field)
            if value not in (None, ""):
                rows.append({"field": field.field, "name": field.title(lang), "value": value})
        return rows
    issued = data.get("issued") or {}
    if not isinstance(issued, dict):
        return []
    return [
        {"field": f"issued.{provider}", "provider": provider, "value": record.get("record_key")}
        for provider, record in sorted(issued.items())
        if isinstance(record, dict)
    ]
