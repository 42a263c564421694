"""A matter deployed today works for its people today: deploy names what will fail (a
provider not shared for the matter's purpose, a subject nothing provides, no start form),
``applicant.id_number`` resolves, materials carry the provider's title, and a refusal
speaks the designer's language with the element's name."""

from __future__ import annotations

from engine.demo import ZHANGSAN_ID
from tests.bpmn_support import deploy, deployed, model, refused_elements
from tests.shared_data_support import configure, materials
from tests.support import Api

HOUSING_FUND = "housing_fund_loan"


def housing_fund_loan(subject: str = "applicant.id_number") -> bytes:
    """公积金贷款购房 as a designer draws it: no start form, one pull by the applicant's ID."""
    return model(
        HOUSING_FUND,
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pull"/>',
                '<bpmn:serviceTask id="pull" name="获取共享数据"><bpmn:extensionElements>'
                "<camunda:properties>"
                '<camunda:property name="shared_data" value="identity,property,marriage"/>'
                f'<camunda:property name="subject" value="{subject}"/>'
                "</camunda:properties></bpmn:extensionElements></bpmn:serviceTask>",
                '<bpmn:sequenceFlow id="f2" sourceRef="pull" targetRef="review"/>',
                '<bpmn:userTask id="review" name="贷款审核" '
                'camunda:candidateGroups="service_center"/>',
                '<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>',
                '<bpmn:endEvent id="end"/>',
            ]
        ),
    )


def warnings_of(definition: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for warning in definition["warnings"]:
        found.setdefault(warning["id"], []).append(warning["message"])
    return found


def test_deploy_names_each_provider_that_will_refuse_the_matters_purpose(api: Api):
    definition = deployed(api, housing_fund_loan())

    warnings = warnings_of(definition)
    refused = " ".join(warnings["pull"])
    for provider, department in (
        ("identity", "public_security"),
        ("property", "registry"),
        ("marriage", "civil_affairs"),
    ):
        assert f"provider '{provider}'" in refused and f"'{department}'" in refused
    assert "housing_fund_loan/pull" in refused
    assert len(warnings["pull"]) == 3  # applicant.id_number is provided: no subject warning
    assert any("no start form" in w for w in warnings[HOUSING_FUND])
    # A warning carries the element's drawn name, so the designer finds it by sight.
    named = [w for w in definition["warnings"] if w["id"] == "pull"]
    assert all(w["name"] == "获取共享数据" for w in named)


def test_a_chinese_reader_is_told_the_providers_chinese_title(api: Api):
    import io

    from tests.bpmn_support import DEPLOY

    response = api.client.post(
        DEPLOY,
        headers=api.headers("designer", **{"Accept-Language": "zh"}),
        data={"file": (io.BytesIO(housing_fund_loan()), "model.bpmn")},
    )
    assert response.status_code in (200, 201), response.get_json()
    refused = " ".join(w["message"] for w in response.get_json()["warnings"] if w["id"] == "pull")
    for title in ("居民身份信息", "不动产登记信息", "婚姻登记信息"):
        assert title in refused
    assert "Resident identity" not in refused and "未对用途" in refused


def test_a_purpose_granted_before_deploy_is_not_warned_about(api: Api):
    for provider in ("identity", "property", "marriage"):
        granted = configure(api, provider, kind="database", purposes=[f"{HOUSING_FUND}/*"])
        assert granted.status_code == 200, granted.get_json()

    definition = deployed(api, housing_fund_loan())

    assert "pull" not in warnings_of(definition)


def test_a_subject_nothing_provides_is_warned_about(api: Api):
    definition = deployed(api, housing_fund_loan(subject="borrower.id_number"))

    subject_warnings = [w for w in warnings_of(definition)["pull"] if "subject" in w]
    assert subject_warnings == [
        "subject 'borrower.id_number' is not provided by the start form, the applicant "
        "(applicant.id_number, applicant.name) or an earlier step: its pulls will find no key"
    ]


def test_applicant_id_number_resolves_once_the_purpose_is_granted(api: Api):
    deployed(api, housing_fund_loan())
    refused = api.start_case(HOUSING_FUND, {})
    assert materials(refused)["identity:applicant.id_number"]["source"]["outcome"] == "refused"

    granted = configure(api, "identity", kind="database", purposes=[f"{HOUSING_FUND}/*"])
    assert granted.status_code == 200, granted.get_json()
    case = api.start_case(HOUSING_FUND, {})

    identity = materials(case)["identity:applicant.id_number"]
    assert identity["status"] == "shared", identity
    assert identity["source"]["record_key"] == ZHANGSAN_ID
    assert case["data"]["identity"]["name"] == "张三"
    # A material of a matter without a catalogue entry carries its provider's title.
    assert identity["name"] == {"zh": "居民身份信息", "en": "Resident identity"}


def test_a_refused_element_is_explained_in_the_requested_language_with_its_name(api: Api):
    broken = housing_fund_loan().replace(
        b'camunda:candidateGroups="service_center"', b'camunda:candidateGroups="no_such_dept"'
    )

    chinese = deploy_in(api, broken, "zh-CN,zh;q=0.9")
    english = deploy_in(api, broken, "en")

    assert chinese["name"] == english["name"] == "贷款审核"
    assert "no_such_dept" in chinese["message"] and "no_such_dept" in english["message"]
    assert _is_chinese(chinese["message"]) and not _is_chinese(english["message"])


def test_broken_xml_says_where_it_broke(api: Api):
    response = deploy(api, b'<?xml version="1.0"?>\n<a>\n  <b>\n</a>\n')

    error = response.get_json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid_bpmn"
    assert error["details"]["line"] == 4 and error["details"]["column"] >= 1


def deploy_in(api: Api, xml: bytes, language: str) -> dict:
    import io

    from tests.bpmn_support import DEPLOY

    response = api.client.post(
        DEPLOY,
        headers=api.headers("designer", **{"Accept-Language": language}),
        data={"file": (io.BytesIO(xml), "model.bpmn")},
    )
    assert response.status_code == 422, response.get_json()
    elements = response.get_json()["error"]["details"]["elements"]
    return next(e for e in elements if e["id"] == "review")


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- through the pages ----------------------------------------------------------------------


def test_a_matter_without_a_start_form_is_applicable_through_the_pages(app, api: Api):  # noqa: ANN001
    from tests.test_pages import Browser

    deployed(api, housing_fund_loan())
    applicant = Browser(app, "zhangsan")

    catalogue = applicant.get("/catalogue").get_data(as_text=True)
    assert f"/apply/{HOUSING_FUND}" in catalogue
    page = applicant.get(f"/apply/{HOUSING_FUND}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-test="no-form"' in text and "居民身份信息" in text  # what it fetches

    submitted = applicant.post(f"/apply/{HOUSING_FUND}")
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:500]
    case_page = applicant.get(submitted.headers["Location"]).get_data(as_text=True)
    # The pull was refused (no purpose granted): a failure, in Chinese, never "fetched".
    assert "获取失败：未对本事项开放共享" in case_page
    assert 'data-test="fetch-failed"' in case_page and "refused" not in case_page


def test_the_upload_page_explains_a_refused_model_in_chinese_with_names(app):  # noqa: ANN001
    import io

    from tests.test_pages import Browser

    designer = Browser(app, "designer")
    designer.get("/designer")
    broken = housing_fund_loan().replace(
        b'camunda:candidateGroups="service_center"', b'camunda:candidateGroups="no_such_dept"'
    )
    response = designer.post(
        "/designer/deploy",
        {"file": (io.BytesIO(broken), "loan.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "贷款审核" in text and "“no_such_dept”不是已知的部门代码或名称" in text


def test_an_unknown_form_key_gets_a_hint(api: Api):
    typo = housing_fund_loan().replace(
        b'camunda:candidateGroups="service_center"/>',
        b'camunda:candidateGroups="service_center" '
        b'camunda:formKey="property_transfer/acceptence"/>',
    )
    elements = refused_elements(deploy(api, typo))
    assert elements["review"].endswith("did you mean 'property_transfer/acceptance'?")


def test_the_upload_page_links_the_authoring_guide(app):  # noqa: ANN001
    from tests.test_pages import Browser

    designer = Browser(app, "designer")
    assert 'data-test="authoring-link"' in designer.get("/designer").get_data(as_text=True)
    guide = designer.get("/designer/authoring").get_data(as_text=True)
    assert "建模指南" in guide and "compensation" in guide.lower() and "Link events" in guide
    assert Browser(app, "clerk_tax").get("/designer/authoring").status_code == 403
