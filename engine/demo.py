"""The demo: departments of DOMAIN.md in a city with two districts, users of API.md and
synthetic shared data.

张三 (zhangsan) buys 李四's (lisi) flat and starts a company; 李四 also has a spouse, 王芳,
and an existing company, so the name check and marriage records have something to say.
All people and numbers are invented; the ID numbers carry valid check digits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict
from .models import Department, SharedRecord, User
from .passwords import hash_password

DEMO_PASSWORD = "govflow-demo"

DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("service_center", "政务服务中心综合窗口", "Government Service Center"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("tax", "税务局", "Tax Bureau"),
    ("registry", "不动产登记中心", "Real Estate Registration Center"),
    ("civil_affairs", "民政局", "Civil Affairs Bureau"),
    ("public_security", "公安局", "Public Security Bureau"),
    ("market", "市场监督管理局", "Market Regulation Administration"),
    ("hrss", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("housing_fund", "住房公积金管理中心", "Housing Provident Fund Center"),
    ("utilities", "水电气联办", "Utilities Joint Office"),
)

#: The demo city and its two districts (属地): the government of each, with the
#: administrative division (行政区划代码) its departments serve.
CITY = ("beijing", "北京市人民政府", "Beijing Municipal Government", "110000")
DISTRICTS: tuple[tuple[str, str, str, str], ...] = (
    ("chaoyang", "朝阳区人民政府", "Chaoyang District Government", "110105"),
    ("haidian", "海淀区人民政府", "Haidian District Government", "110108"),
)
#: Of the departments above, those serving the whole city (the one window of 一窗受理
#: among them); the others are Chaoyang's, where 李四's flat is.
CITY_WIDE = ("service_center", "public_security", "market", "hrss", "housing_fund")
#: Haidian's own departments of the kinds a flat's transfer needs there; the rest of its
#: work goes up to the city's.  ``(code, kind, name_zh, name_en)``.
HAIDIAN_DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("haidian_tax", "tax", "海淀区税务局", "Haidian Tax Bureau"),
    (
        "haidian_registry",
        "registry",
        "海淀区不动产登记中心",
        "Haidian Real Estate Registration Center",
    ),
    ("haidian_utilities", "utilities", "海淀区水电气联办", "Haidian Utilities Joint Office"),
)

ZHANGSAN_ID = "110105199003071239"
LISI_ID = "110101198806124568"
WANGFANG_ID = "310104199208157897"
CERTIFICATE_NO = "BJ2024-0012345"
CONTRACT_NO = "HT2026-000123"
FLAT_ADDRESS = "北京市朝阳区建国路88号3单元1202室"
OFFICE_ADDRESS = "北京市海淀区中关村大街27号1101室"
#: 李四's second flat, in Haidian: its transfer is handled by Haidian's departments.
HAIDIAN_CERTIFICATE_NO = "BJ2024-0023456"
HAIDIAN_CONTRACT_NO = "HT2026-000456"
HAIDIAN_FLAT_ADDRESS = "北京市海淀区学院路30号2单元502室"

APPLICANTS = (
    ("zhangsan", "张三", ZHANGSAN_ID, "13800138000"),
    ("lisi", "李四", LISI_ID, "13900139000"),
)
#: The demo's mail domain: every demo user has an address there, so the e-mail channel of
#: an applicant's notifications (docs/OUTBOUND.md) has somewhere to go once SMTP is set.
MAIL_DOMAIN = "example.cn"


def property_application(**overrides: Any) -> dict[str, Any]:
    """张三's application to buy 李四's flat, as the application form takes it."""
    return {
        "buyer_name": "张三",
        "buyer_id_number": ZHANGSAN_ID,
        "seller_name": "李四",
        "seller_id_number": LISI_ID,
        "certificate_no": CERTIFICATE_NO,
        "contract_no": CONTRACT_NO,
        "first_home": True,
        "buyer_phone": "13800138000",
        **overrides,
    }


def business_application(**overrides: Any) -> dict[str, Any]:
    """张三's application to start a company at his office address."""
    return {
        "company_name": "张三科技有限公司",
        "company_type": "limited_liability",
        "registered_capital": 100,
        "address": OFFICE_ADDRESS,
        "business_scope": "软件开发；信息技术咨询服务",
        "legal_rep_name": "张三",
        "legal_rep_id_number": ZHANGSAN_ID,
        "phone": "13800138000",
        **overrides,
    }


def _department_rows() -> list[dict[str, Any]]:
    """The demo's tree: the city's government, its departments and the two districts'."""
    city, _zh, _en, city_division = CITY
    rows = [dict(zip(("code", "name_zh", "name_en", "division"), CITY, strict=True))]
    rows[0].update(kind="government", parent_code=None)
    by_code = {code: division for code, _zh, _en, division in DISTRICTS}
    for code, zh, en, division in DISTRICTS:
        rows.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": "government"}
            | {"parent_code": city, "division": division}
        )
    for code, zh, en in DEPARTMENTS:
        parent = city if code in CITY_WIDE else "chaoyang"
        division = city_division if code in CITY_WIDE else by_code["chaoyang"]
        rows.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": code}
            | {"parent_code": parent, "division": division}
        )
    for code, kind, zh, en in HAIDIAN_DEPARTMENTS:
        rows.append(
            {"code": code, "name_zh": zh, "name_en": en, "kind": kind}
            | {"parent_code": "haidian", "division": by_code["haidian"]}
        )
    return rows


def ensure_departments(session: Session) -> None:
    existing = set(session.scalars(select(Department.code)))
    for row in _department_rows():  # parents first: the list runs down the tree
        if row["code"] not in existing:
            session.add(Department(**row))
            session.flush()


def _users() -> list[dict[str, Any]]:
    users = [
        {"username": "admin", "display_name": "系统管理员", "roles": ["admin"]},
        {"username": "designer", "display_name": "流程设计员", "roles": ["designer"]},
        {"username": "supervisor", "display_name": "督办员", "roles": ["supervisor"]},
        # The bank's system confirming deed-tax payments (POST /messages, nothing else).
        {"username": "integration", "display_name": "银行缴税系统", "roles": ["integration"]},
    ]
    for code, zh, _en in DEPARTMENTS:
        users.append(
            {
                "username": f"clerk_{code}",
                "display_name": f"{zh}办事员",
                "roles": ["clerk"],
                "department_code": code,
            }
        )
    # A second clerk in two departments, so a task can be transferred (转办) within one.
    for code, zh in (("tax", "税务局"), ("registry", "不动产登记中心")):
        users.append(
            {
                "username": f"clerk_{code}2",
                "display_name": f"{zh}办事员（二）",
                "roles": ["clerk"],
                "department_code": code,
            }
        )
    for code, _kind, zh, _en in HAIDIAN_DEPARTMENTS:
        users.append(
            {
                "username": f"clerk_{code}",
                "display_name": f"{zh}办事员",
                "roles": ["clerk"],
                "department_code": code,
            }
        )
    # Supervisors of a region: the city's sees both districts, a district's only its own
    # (``supervisor`` above, of no department, oversees everything).
    for code, zh, _en, _division in (CITY, *DISTRICTS):
        users.append(
            {
                "username": f"supervisor_{code}",
                "display_name": f"{zh.removesuffix('人民政府')}督办员",
                "roles": ["supervisor"],
                "department_code": code,
            }
        )
    for username, name, id_number, phone in APPLICANTS:
        users.append(
            {
                "username": username,
                "display_name": name,
                "roles": ["applicant"],
                "id_number": id_number,
                "phone": phone,
            }
        )
    for user in users:
        user.setdefault("email", f"{user['username']}@{MAIL_DOMAIN}")
    return users


def _shared_records() -> list[dict[str, Any]]:
    return [
        {
            "provider": "identity",
            "record_key": ZHANGSAN_ID,
            "subject_id_number": ZHANGSAN_ID,
            "data": {
                "name": "张三",
                "id_number": ZHANGSAN_ID,
                "address": "北京市东城区东华门街道1号",
                "photo_verified": True,
            },
        },
        {
            "provider": "identity",
            "record_key": LISI_ID,
            "subject_id_number": LISI_ID,
            "data": {
                "name": "李四",
                "id_number": LISI_ID,
                "address": FLAT_ADDRESS,
                "photo_verified": True,
            },
        },
        {
            "provider": "identity",
            "record_key": WANGFANG_ID,
            "subject_id_number": WANGFANG_ID,
            "data": {
                "name": "王芳",
                "id_number": WANGFANG_ID,
                "address": FLAT_ADDRESS,
                "photo_verified": True,
            },
        },
        {
            "provider": "marriage",
            "record_key": ZHANGSAN_ID,
            "subject_id_number": ZHANGSAN_ID,
            "data": {"marital_status": "unmarried", "spouse_id_number": None},
        },
        {
            "provider": "marriage",
            "record_key": LISI_ID,
            "subject_id_number": LISI_ID,
            "data": {"marital_status": "married", "spouse_id_number": WANGFANG_ID},
        },
        {
            "provider": "property",
            "record_key": CERTIFICATE_NO,
            "subject_id_number": LISI_ID,
            "search_key": FLAT_ADDRESS,
            "data": {
                "certificate_no": CERTIFICATE_NO,
                "owners": [LISI_ID, WANGFANG_ID],
                "area": 89.5,
                "address": FLAT_ADDRESS,
                "parcel_map": "ZD-110105-0088",
                "floor_plan": "FH-110105-0088-1202",
                "mortgaged": False,
                "seized": False,
                "division": "110105",
            },
        },
        {
            "provider": "property",
            "record_key": HAIDIAN_CERTIFICATE_NO,
            "subject_id_number": LISI_ID,
            "search_key": HAIDIAN_FLAT_ADDRESS,
            "data": {
                "certificate_no": HAIDIAN_CERTIFICATE_NO,
                "owners": [LISI_ID, WANGFANG_ID],
                "area": 64.0,
                "address": HAIDIAN_FLAT_ADDRESS,
                "parcel_map": "ZD-110108-0030",
                "floor_plan": "FH-110108-0030-0502",
                "mortgaged": False,
                "seized": False,
                "division": "110108",
            },
        },
        {
            "provider": "contract_filing",
            "record_key": HAIDIAN_CONTRACT_NO,
            "subject_id_number": ZHANGSAN_ID,
            "data": {
                "contract_no": HAIDIAN_CONTRACT_NO,
                "buyer": ZHANGSAN_ID,
                "seller": LISI_ID,
                "price": 2_100_000,
                "certificate_no": HAIDIAN_CERTIFICATE_NO,
            },
        },
        {
            "provider": "property",
            "record_key": "BJ2023-0067890",
            "subject_id_number": ZHANGSAN_ID,
            "search_key": OFFICE_ADDRESS,
            "data": {
                "certificate_no": "BJ2023-0067890",
                "owners": [ZHANGSAN_ID],
                "area": 120.0,
                "address": OFFICE_ADDRESS,
                "parcel_map": "ZD-110108-0027",
                "floor_plan": "FH-110108-0027-1101",
                "mortgaged": False,
                "seized": False,
            },
        },
        {
            "provider": "contract_filing",
            "record_key": CONTRACT_NO,
            "subject_id_number": ZHANGSAN_ID,
            "data": {
                "contract_no": CONTRACT_NO,
                "buyer": ZHANGSAN_ID,
                "seller": LISI_ID,
                "price": 3_200_000,
                "certificate_no": CERTIFICATE_NO,
            },
        },
        {
            "provider": "business_registry",
            "record_key": "李四商贸有限公司",
            "subject_id_number": LISI_ID,
            "data": {
                "name": "李四商贸有限公司",
                "credit_code": "91110101MA01ABCD3X",
                "legal_representative": LISI_ID,
            },
        },
        {
            "provider": "tax_record",
            "record_key": "WS2025-LISI-01",
            "subject_id_number": LISI_ID,
            "search_key": LISI_ID,
            "data": {
                "certificate_no": "WS2025-LISI-01",
                "taxpayer": LISI_ID,
                "amount": 1200.0,
                "paid": True,
                "kind": "individual_income_tax",
            },
        },
    ]


def seed(session: Session) -> bool:
    """Insert whatever of the demo is missing; return False if it was already complete.

    Refused (409 ``not_a_demo_database``) when the database holds users the demo did not
    make: the demo's users have a published password, and a real deployment must never
    get an ``admin`` anyone can sign in as."""
    existing_users = set(session.scalars(select(User.username)))
    strangers = sorted(existing_users - {spec["username"] for spec in _users()})
    if strangers:
        raise Conflict(
            "this database has users the demo did not create (e.g. "
            f"{', '.join(strangers[:3])}); the demo, whose passwords are public, is not "
            "seeded into a real deployment",
            code="not_a_demo_database",
        )
    ensure_departments(session)
    session.flush()
    added = False
    password_hash = None
    for spec in _users():
        if spec["username"] in existing_users:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        session.add(User(password_hash=password_hash, **spec))
        added = True
    existing_records = set(session.execute(select(SharedRecord.provider, SharedRecord.record_key)))
    for record in _shared_records():
        if (record["provider"], record["record_key"]) not in existing_records:
            session.add(SharedRecord(**record))
            added = True
    return added
