"""The provider registry: declarations, purposes, and configuring an endpoint safely."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine import clock
from engine.schema import metadata
from engine.shared_data.models import ProviderConfig
from engine.uow import run_in_transaction
from tests.shared_data_support import configure, materials
from tests.support import Api, property_application


def test_the_registry_lists_every_provider_with_its_sharing_class(api: Api):
    body = api.get("/api/v1/shared-data/providers", "zhangsan").get_json()
    providers = {p["name"]: p for p in body["items"]}
    assert body["total"] == 7
    assert set(providers) == {
        "identity",
        "marriage",
        "property",
        "contract_filing",
        "business_registry",
        "e_license",
        "tax_record",
    }
    marriage = providers["marriage"]
    assert marriage["department"] == "civil_affairs"
    assert marriage["sharing"] == "conditional"
    assert marriage["purposes"] == ["property_transfer/*"]
    assert "marital_status" in marriage["fields"]
    assert providers["business_registry"]["sharing"] == "unconditional"
    assert all(p["transport"] == "database" and p["endpoint"] is None for p in body["items"])


def test_a_pull_outside_the_declared_purposes_is_refused_and_logged(api: Api):
    # The data-sharing officer narrows what the property register is shared for.
    narrowed = configure(api, "property", kind="database", purposes=["business_startup/*"])
    assert narrowed.status_code == 200, narrowed.get_json()
    case = api.start_case("property_transfer", property_application())
    assert case["data"]["property"] is None
    material = materials(case)["property_certificate"]
    assert material["status"] == "missing" and material["action"] == "upload"
    assert material["source"]["outcome"] == "refused"
    assert "property_transfer/pull_property" in material["reason"]
    log = api.get(
        "/api/v1/audit/data-access",
        "admin",
        query_string={"case_id": case["id"], "provider": "property"},
    ).get_json()["items"]
    assert [(e["outcome"], e["fields"]) for e in log] == [("refused", [])]
    # Other providers were pulled as usual; the case waits at the window.
    assert materials(case)["sale_contract"]["status"] == "shared"
    assert api.open_task("clerk_service_center", case["id"], "acceptance")


def test_only_admins_configure_providers(api: Api):
    body = {"kind": "http", "url": "https://exchange.example.gov.cn/api"}
    for role in ("supervisor", "designer", "clerk_registry", "zhangsan"):
        assert configure(api, "property", as_=role, **body).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "http", "url": "file:///etc/passwd"}, "url"),
        ({"kind": "http"}, "url"),
        ({"kind": "ftp", "url": "https://x.example"}, "kind"),
        ({"kind": "http", "url": "https://x.example", "timeout_seconds": 0}, "timeout_seconds"),
        ({"kind": "http", "url": "https://x.example", "retries": 9}, "retries"),
        (
            {"kind": "http", "url": "https://x.example", "credential_env": "lower-case"},
            "credential_env",
        ),
        ({"kind": "http", "url": "https://x.example", "credential": "s3cret"}, "credential"),
        ({"kind": "http", "url": "https://x.example", "password": "s3cret"}, "password"),
        ({"kind": "database", "purposes": ["no-slash"]}, "purposes"),
    ],
)
def test_invalid_configurations_answer_422_and_store_nothing(api: Api, body: dict, field: str):
    response = configure(api, "property", **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    listed = api.get("/api/v1/shared-data/providers", "admin").get_json()["items"]
    assert next(p for p in listed if p["name"] == "property")["transport"] == "database"


def test_an_endpoint_shows_its_variable_name_to_admins_never_a_secret(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_TOKEN", "s3cret")
    monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", "127.0.0.1,exchange.example.gov.cn")
    response = configure(
        api,
        "identity",
        kind="http",
        url="https://exchange.example.gov.cn/identity",
        credential_env="GOVFLOW_EXCHANGE_TOKEN",
    )
    assert response.status_code == 200
    endpoint = response.get_json()["endpoint"]
    assert endpoint["credential_env"] == "GOVFLOW_EXCHANGE_TOKEN"
    assert endpoint["credential_present"] is True
    assert "s3cret" not in response.get_data(as_text=True)
    public = api.get("/api/v1/shared-data/providers", "clerk_tax").get_json()["items"]
    identity = next(p for p in public if p["name"] == "identity")
    assert identity["transport"] == "http" and identity["endpoint"] is None
    assert configure(api, "no_such_provider", kind="database").status_code == 404


def _case_at_the_tax_window(api: Api) -> int:
    """A property transfer accepted and reviewed: 税款征收 is next, and completing it
    publishes the tax record the next step pulls (``pull_tax_payment``)."""
    case_id = api.start_case("property_transfer", property_application())["id"]
    api.claim_and_complete("clerk_service_center", case_id, "acceptance", {"accepted": True})
    api.claim_and_complete("clerk_registry", case_id, "registry_review", {"approved": True})
    return case_id


def _pay_the_tax(api: Api, case_id: int) -> dict:
    paid = {"tax_amount": 32000, "paid": True, "receipt_no": f"WS-{case_id}"}
    return api.claim_and_complete("clerk_tax", case_id, "collect_tax", paid)


def _tax_record_pulls(api: Api, case_id: int) -> list[str]:
    log = api.get(
        "/api/v1/audit/data-access",
        "admin",
        query_string={"case_id": case_id, "provider": "tax_record"},
    ).get_json()["items"]
    return [entry["outcome"] for entry in log]


def test_a_configuration_another_worker_wrote_counts_at_the_next_pull(api: Api, govflow):  # noqa: ANN001
    """A worker keeps the configurations it read while their table is unchanged; a row
    another worker wrote (nothing in this one was told) counts at this worker's next pull."""
    first, second = _case_at_the_tax_window(api), _case_at_the_tax_window(api)
    assert _pay_the_tax(api, first)["data"]["tax_record"]["certificate_no"] == f"WS-{first}"
    narrowed = ProviderConfig(
        name="tax_record",
        kind="database",
        purposes=["business_startup/*"],
        updated_at=clock.now(),
        updated_by="admin",
    )
    run_in_transaction(govflow.db, lambda session: session.add(narrowed))  # another worker
    assert _pay_the_tax(api, second)["data"]["tax_record"] is None
    assert _tax_record_pulls(api, second) == ["refused"]


def test_a_configuration_written_here_counts_even_when_the_clock_stands_still(api: Api):
    """Under a frozen clock the table's state (rows, last change) looks the same after a
    change; the worker that wrote it reads the configurations afresh all the same."""
    first, second = _case_at_the_tax_window(api), _case_at_the_tax_window(api)
    with time_machine.travel(clock.now(), tick=False):
        assert configure(api, "tax_record", kind="database").status_code == 200
        assert _pay_the_tax(api, first)["data"]["tax_record"] is not None
        narrowed = configure(api, "tax_record", kind="database", purposes=["business_startup/*"])
        assert narrowed.status_code == 200, narrowed.get_json()
        assert _pay_the_tax(api, second)["data"]["tax_record"] is None
    assert _tax_record_pulls(api, first) == ["found"]
    assert _tax_record_pulls(api, second) == ["refused"]


def test_the_migration_creates_what_the_models_declare(app):  # noqa: ANN001
    from web.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = {"provider_configs", "material_uploads", "shared_data_disputes", "data_access_log"}
    relevant = [d for d in diff if _table_of(d) in ours]
    assert relevant == []


def _table_of(diff: tuple) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        if isinstance(part, sa.Table):
            return part.name
        if isinstance(part, sa.Column | sa.Index) and part.table is not None:
            return part.table.name
        if isinstance(part, str) and part in {
            "provider_configs",
            "material_uploads",
            "shared_data_disputes",
            "data_access_log",
        }:
            return part
    return None
