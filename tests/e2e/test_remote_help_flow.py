"""Browser end-to-end of a whole remote help (issue 16): the enterprise in the widget and a staff member
in the console, as people would click. Start help for the chat's item, upload, 需补正, re-upload, 合格,
the shared draft edited from both sides (a conflicting edit told, not lost), booking the visit to the
hall during help, the PDFs.

Real stack (Rasa, action server, desk) over the fixture knowledge base; headless Debian Chromium
driven by Playwright. Screenshots of every step go to test-artifacts/e2e/.
"""
from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.conftest import ask, console_login, shot
from tests.stack import Stack, running_stack

pytestmark = pytest.mark.e2e
STAFF = ("zhaomin", "password-zhaomin", "staff")
SHADOW = "document.querySelector('#daofu-widget').shadowRoot"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("e2e-help")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAOFU_REMOTE_HELP_DIR", str(root / "remote_help"))  # the stack's desk inherits it
        with running_stack(root, staff=(STAFF,)) as running:
            yield running


def _files(folder: Path) -> tuple[Path, Path]:
    photo = folder / "申请书照片.jpg"
    image = Image.new("RGB", (320, 240), (240, 240, 230))
    exif = Image.Exif()
    exif[0x013B] = "SecretOwner"
    image.save(photo, format="JPEG", exif=exif)
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Application form, signed")
    signed = folder / "申请书-已签字.pdf"
    signed.write_bytes(bytes(pdf.output()))
    return photo, signed


def _widget_mark(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f"() => [...{SHADOW}.querySelectorAll('[data-testid=widget-help-mark]')]"
                           f".some((m) => m.textContent === {json.dumps(text)})", timeout=30_000)


def _until_stored(page, url: str, field: str, version: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the desk holds ``field`` at ``version`` (the other side's write has landed)."""
    for _ in range(100):
        state = page.request.get(url).json()
        if any(f["name"] == field and f["version"] >= version for f in state["draft"]):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{field} never reached version {version}")


def test_a_whole_remote_help(stack: Stack, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo, signed = _files(tmp_path)
    user = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN", accept_downloads=True).new_page()
    staff = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True).new_page()
    dialogs: list[str] = []
    for page in (user, staff):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    console_login(staff, stack.desk_url, STAFF[0], STAFF[1])
    staff.locator("#queue").wait_for()

    # The enterprise asks about an item, then asks for a person; staff take the chat.
    user.goto(f"{stack.desk_url}/")
    user.locator(".daofu-launcher").click()
    ask(user, "股权出质注销登记在哪里办")
    user.locator(".daofu-item-card").last.wait_for(timeout=60_000)
    conversation_id = json.loads(user.evaluate("() => localStorage.getItem('daofu.widget')"))["conversation_id"]
    user.locator(".daofu-handoff").click()
    row = staff.locator(".queue-item").first
    row.wait_for(timeout=30_000)
    row.locator(".claim").click()
    staff.locator("#messages .msg-user").first.wait_for(timeout=30_000)

    # 1. Staff start help for the chat's item; both sides see the checklist.
    staff.locator("[data-testid=help-start-current]").click()
    staff.locator("[data-testid=console-help-entry]").first.wait_for(timeout=30_000)
    assert "对股权出质注销登记" in staff.locator("[data-testid=console-remote-help]").inner_text()
    user.locator("[data-testid=widget-remote-help]").wait_for(timeout=30_000)
    assert "《股权出质登记申请书》" in user.locator("[data-testid=widget-help-entry]").first.inner_text()
    shot(staff, "help-01-console-started")
    shot(user, "help-02-widget-checklist")

    # 2. The enterprise uploads a photo; staff see it and ask for a correction.
    user.locator("[data-testid=widget-help-upload]").first.set_input_files(str(photo))
    _widget_mark(user, "待审核")
    file_link = staff.locator("[data-testid=console-help-file]").first
    file_link.wait_for(timeout=30_000)
    href = file_link.get_attribute("href")
    assert href and href.startswith("/api/remote-help/")
    kept = staff.request.get(f"{stack.desk_url}{href}")
    assert kept.status == 200 and kept.headers["content-type"] == "image/jpeg" and b"SecretOwner" not in kept.body()
    assert user.request.get(f"{stack.desk_url}{href}").status == 401  # not through the staff route
    staff.locator("[data-testid=console-help-reason]").first.fill("缺少法定代表人签字")
    staff.locator("[data-testid=console-mark-needs_fix]").first.click()
    _widget_mark(user, "需补正")
    assert "缺少法定代表人签字" in user.locator("[data-testid=widget-help-reason]").first.inner_text()
    shot(user, "help-03-widget-needs-fix")

    # 3. The corrected PDF; staff accept it: every entry 合格, the help ends with its summary.
    user.locator("[data-testid=widget-help-upload]").first.set_input_files(str(signed))
    _widget_mark(user, "待审核")
    staff.wait_for_function("() => document.querySelectorAll('[data-testid=console-help-file]').length === 2",
                            timeout=30_000)
    staff.locator("[data-testid=console-mark-accepted]").first.click()
    staff.locator("[data-testid=console-help-summary]").wait_for(timeout=30_000)
    user.locator("[data-testid=widget-help-summary]").wait_for(timeout=30_000)
    _widget_mark(user, "合格")
    shot(staff, "help-04-console-completed")
    shot(user, "help-05-widget-completed")

    # 4. The shared draft: each side sees the other's edits.
    applicant = user.locator("[data-testid=widget-draft-applicant]")
    applicant.fill("广州某某科技有限公司")
    applicant.press("Enter")
    staff.wait_for_function("() => document.querySelector('[data-testid=console-draft-applicant]').value"
                            " === '广州某某科技有限公司'", timeout=30_000)
    legal = staff.locator("[data-testid=console-draft-legal_representative]")
    legal.fill("张三")
    legal.press("Enter")
    user.wait_for_function(f"() => {SHADOW}.querySelector('[data-testid=widget-draft-legal_representative]').value"
                           " === '张三'", timeout=30_000)
    # Both type into the contact at once: the enterprise saves first, staff are told, nothing lost.
    staff.locator("[data-testid=console-draft-contact_name]").fill("李四")
    contact = user.locator("[data-testid=widget-draft-contact_name]")
    contact.fill("王五")
    contact.press("Enter")
    _until_stored(staff, f"{stack.desk_url}/api/conversations/{conversation_id}/remote-help", "contact_name", 1)
    staff.wait_for_function("() => document.querySelector('[data-testid=console-draft-contact_name]').value === '李四'"
                            " && document.querySelectorAll('[data-testid=console-draft-note]').length === 0",
                            timeout=30_000)
    staff.locator("[data-testid=console-draft-contact_name]").press("Enter")
    note = staff.locator("[data-testid=console-draft-note]")
    note.wait_for(timeout=30_000)
    assert "王五" in note.inner_text() and "企业" in note.inner_text()
    staff.wait_for_function("() => document.querySelector('[data-testid=console-draft-contact_name]').value === '王五'",
                            timeout=30_000)
    shot(staff, "help-06-console-draft-conflict")

    # 5. Staff book the visit to the hall for the draft's contact (desk/appointments); the enterprise
    #    gets the confirmation code in the chat.
    phone = staff.locator("[data-testid=console-draft-contact_phone]")
    phone.fill("13800138000")
    phone.press("Enter")
    _until_stored(staff, f"{stack.desk_url}/api/conversations/{conversation_id}/remote-help", "contact_phone", 1)
    staff.locator("[data-testid=help-book]").click()
    staff.locator("[data-testid=help-slot]").first.click(timeout=30_000)
    booked = staff.locator("[data-testid=help-booking]")
    booked.wait_for(timeout=30_000)
    assert "确认码" in booked.inner_text()
    user.locator(".daofu-msg-staff", has_text="确认码").wait_for(timeout=30_000)
    shot(staff, "help-07-console-booked")

    # 6. PDFs: the enterprise downloads the summary and the draft from the widget.
    with user.expect_download() as summary_download:
        user.locator("[data-testid=widget-summary-pdf]").click()
    summary_pdf = Path(summary_download.value.path()).read_bytes()
    with user.expect_download() as draft_download:
        user.locator("[data-testid=widget-draft-pdf]").click()
    draft_pdf = Path(draft_download.value.path()).read_bytes()
    from pypdf import PdfReader

    def text(content: bytes) -> str:  # fpdf2's glyph codes come out of pypdf behind NULs (see tests/desk/remote_help)
        return "".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\x00", "").split())
    assert "对股权出质注销登记" in text(summary_pdf) and "合格" in text(summary_pdf)
    assert "广州某某科技有限公司" in text(draft_pdf) and "王五" in text(draft_pdf)
    shot(user, "help-08-widget-downloads")

    # The record survives a reload of the widget page (state from the store).
    user.reload()
    user.locator(".daofu-launcher").click()
    user.locator("[data-testid=widget-help-summary]").wait_for(timeout=30_000)
    cookies = {c["name"]: c["value"] for c in staff.context.cookies()}
    request = urllib.request.Request(f"{stack.desk_url}/api/conversations/{conversation_id}/remote-help",
                                     headers={"Cookie": f"daofu_session={cookies['daofu_session']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        stored = json.loads(response.read())
    assert stored["status"] == "completed" and [e["status"] for e in stored["entries"]] == ["accepted"]
    assert not dialogs, dialogs
