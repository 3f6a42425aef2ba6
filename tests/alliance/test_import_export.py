"""Excel/CSV out and in: formatted exports, templates, validated imports with a report, idempotence, round trip."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from alliance.imports import Kind, export_table, read_rows
from alliance.models import IndustryChain, Organisation
from alliance.services import import_records
from experts.models import Expert
from tests import factories

EXPERT_CSV = (
    "姓名,邮箱,手机,专家类别,职称/头衔,所在单位,研究方向,技术领域,服务产业链,同时承接上限,接受揭榜,在库,个人简介\n"
    "周强,zhou@nm.cn,13900000001,企业技术专家,高工,江苏新能源材料研究院,锂电池材料；固态电解质,,equipment,5,是,是,\n"
    "无名,,,教授,,,,,,,,,\n"
    "钱多,qian@x.cn,,国家级人才,,,储能,不存在的领域,nochain,30,也许,是,\n"
)


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def snapshot() -> list[tuple]:
    experts = [
        (e.name, e.email, e.phone, e.category, e.title, e.organisation_id, tuple(e.research_areas),
         tuple(sorted(e.fields.values_list("pk", flat=True))), tuple(sorted(e.chains.values_list("pk", flat=True))),
         e.max_active_claims, e.is_available, e.is_active, e.bio, e.updated_at)
        for e in Expert.objects.order_by("pk")
    ]
    organisations = list(Organisation.objects.order_by("pk").values_list())
    chains = list(IndustryChain.objects.order_by("pk").values_list())
    return [experts, organisations, chains]


def test_dashboard_exports_a_formatted_workbook_with_chinese_sheets_and_a_bom_csv(client, park_staff, open_challenge):
    client.force_login(park_staff)
    response = client.get("/alliance/dashboard/export/", {"period": "all", "format": "xlsx"})
    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == ["指标", "各产业链", "月度趋势", "技术领域供需", "专家排行", "企业排行"]
    sheet = book["指标"]
    assert sheet["A1"].value == "指标" and sheet["A1"].font.b and sheet["A1"].fill.start_color.rgb.endswith("0D6EFD")
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 22
    assert [row[0].value for row in sheet.iter_rows(min_row=2)][:2] == ["发布需求", "已上榜"]
    csv_response = client.get("/alliance/dashboard/export/", {"period": "all", "format": "csv"})
    body = b"".join(csv_response.streaming_content)
    assert body.startswith("\ufeff".encode()) and "【指标】".encode() in body
    assert "filename*=UTF-8''" in csv_response["Content-Disposition"]


def test_drilldown_and_challenge_list_export(client, park_staff, open_challenge):
    client.force_login(park_staff)
    response = client.get("/alliance/dashboard/list/", {"metric": "posted", "period": "all", "format": "xlsx"})
    sheet = workbook(response).worksheets[0]
    assert sheet.title == "发布需求"
    assert [cell.value for cell in sheet[2]][:2] == [open_challenge.pk, open_challenge.title]
    body = b"".join(client.get("/alliance/export/challenges/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert open_challenge.title in body


def test_chain_leader_exports_challenges_of_their_chain_only_and_no_enterprise_list(client, chain_leader, other_chain,
                                                                                    open_challenge):
    other = factories.ChallengeFactory(chain=other_chain, enterprise=factories.OrganisationFactory(chain=other_chain),
                                       title="他链需求")
    client.force_login(chain_leader)
    body = b"".join(client.get("/alliance/export/challenges/", {"format": "csv"}).streaming_content).decode()
    assert open_challenge.title in body and other.title not in body
    assert client.get("/alliance/export/enterprises/").status_code == 403


def test_import_reports_refused_rows_in_chinese_and_keeps_the_good_ones(chain):
    rows = read_rows(kind=Kind.EXPERTS, stream=io.BytesIO(EXPERT_CSV.encode("utf-8-sig")), filename="专家.csv")
    report = import_records(kind=Kind.EXPERTS, rows=rows, by=None)
    assert (report.created, len(report.refused)) == (1, 2)
    messages = [refused.message for refused in report.refused]
    assert messages[0].startswith("第 3 行：") and "邮箱与手机至少填写一项" in messages[0]
    assert "专家类别应为" in messages[0] and "请至少填写一个研究方向" in messages[0]
    assert messages[1].startswith("第 4 行：")
    for reason in ("未知的技术领域“不存在的领域”", "未知的产业链“nochain”", "1–20 的整数", "应填“是”或“否”"):
        assert reason in messages[1]
    zhou = Expert.objects.get()
    assert zhou.research_areas == ["锂电池材料", "固态电解质"] and list(zhou.chains.all()) == [chain]


def test_importing_the_same_file_twice_changes_nothing(chain):
    data = EXPERT_CSV.encode("gb18030")  # as Excel on a Chinese Windows saves CSV
    rows = read_rows(kind=Kind.EXPERTS, stream=io.BytesIO(data), filename="x.csv")
    import_records(kind=Kind.EXPERTS, rows=rows, by=None)
    before = snapshot()
    report = import_records(kind=Kind.EXPERTS, rows=rows, by=None)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert snapshot() == before


def test_export_then_import_round_trips_without_change(client, park_staff, chain, other_chain, expert, enterprise):
    field = factories.TechnicalFieldFactory(name="柔性制造", chain=chain)
    expert.fields.add(field)
    expert.email, expert.phone = "li@suda.edu.cn", "13700000000"
    expert.save()
    client.force_login(park_staff)
    before = snapshot()
    for kind in (Kind.CHAINS, Kind.ENTERPRISES, Kind.EXPERTS):
        exported = client.get(f"/alliance/export/{kind}/", {"format": "xlsx"})
        rows = read_rows(kind=kind, stream=io.BytesIO(exported.content), filename="export.xlsx")
        report = import_records(kind=kind, rows=rows, by=park_staff)
        assert report.refused == [] and report.created == 0 and report.updated == 0, kind
    assert snapshot() == before


def test_upload_page_imports_for_park_staff_and_refuses_others(client, park_staff, enterprise_user, chain):
    upload = io.BytesIO("产业链代码,产业链名称,简介,排序\nnewmat,新材料,,3\nbad code!,,,x\n".encode())
    upload.name = "chains.csv"
    client.force_login(enterprise_user)
    assert client.post("/alliance/import/", {"kind": "chains", "file": upload}).status_code == 403
    assert not IndustryChain.objects.filter(code="newmat").exists()
    upload.seek(0)
    client.force_login(park_staff)
    response = client.post("/alliance/import/", {"kind": "chains", "file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and "新增 1" in html and "拒绝 1" in html
    assert "产业链代码只能包含字母" in html
    assert IndustryChain.objects.get(code="newmat").sort_order == 3


def test_upload_without_required_columns_is_a_400(client, park_staff):
    upload = io.BytesIO("名称\n甲\n".encode())
    upload.name = "e.csv"
    client.force_login(park_staff)
    response = client.post("/alliance/import/", {"kind": "enterprises", "file": upload})
    assert response.status_code == 400
    assert "缺少必填列：统一社会信用代码、企业名称" in response.content.decode()


def test_templates_download_with_instructions(client, park_staff):
    client.force_login(park_staff)
    book = workbook(client.get("/alliance/import/template/experts/"))
    assert book.sheetnames == ["专家", "填写说明"]
    assert book["专家"]["A1"].value == "姓名"
    csv_body = client.get("/alliance/import/template/enterprises/", {"format": "csv"})
    assert b"".join(csv_body.streaming_content).decode("utf-8-sig").startswith("统一社会信用代码,企业名称")


def test_command_imports_with_a_report(tmp_path, capsys, chain, db):
    path = tmp_path / "专家.csv"
    path.write_text(EXPERT_CSV, encoding="utf-8-sig")
    call_command("import_alliance", "--kind", "experts", str(path), "--no-progress")
    output = capsys.readouterr().out
    assert "新增 1" in output and "第 3 行" in output
    assert Expert.objects.count() == 1


@pytest.mark.parametrize("kind", [Kind.EXPERTS, Kind.ENTERPRISES, Kind.CHAINS])
def test_export_headers_are_the_import_headers(kind, db):
    table = export_table(kind, {Kind.EXPERTS: Expert, Kind.ENTERPRISES: Organisation,
                                Kind.CHAINS: IndustryChain}[kind].objects.none())
    assert table.headers[0] in {"姓名", "统一社会信用代码", "产业链代码"}
