"""The kpo-bot command line: ask, chat, compare, kb check, kb eval and run's start-up errors."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.tghtml import parse_html

ROOT = Path(__file__).resolve().parent.parent


def kpo_bot(*args: str, stdin: str = "", env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KPO_BOT_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, text=True,
                          capture_output=True, env=full_env, cwd=cwd or ROOT, timeout=60)


def test_ask_json_gives_one_valid_object_per_line() -> None:
    questions = "what is kpo\n\nis payroll bpo or kpo\n<b>broken & html\n"
    result = kpo_bot("ask", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == questions.splitlines()
    assert records[0]["kind"] == "answer" and records[0]["entry"] == "what_is_kpo"
    assert records[2]["kind"] == "classification" and records[2]["verdict"] == "BPO"
    for r in records:
        assert set(r) == {"question", "kind", "entry", "score", "verdict", "text", "note", "buttons", "verdicts",
                          "parts"}
        parse_html(r["text"])
        for row in r["buttons"]:
            assert all(set(b) == {"text", "callback_data"} for b in row)


def test_ask_takes_questions_as_arguments() -> None:
    result = kpo_bot("ask", "what is bpo", "who earns more")
    assert result.returncode == 0
    assert "Business Process Outsourcing" in result.stdout


def test_chat_answers_piped_questions_and_numbered_choices() -> None:
    result = kpo_bot("chat", stdin="what is kpo\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Knowledge Process Outsourcing" in result.stdout
    assert "[1]" in result.stdout
    assert "<b>" not in result.stdout


def test_kb_check_passes_on_the_shipped_knowledge_base() -> None:
    result = kpo_bot("kb", "check")
    assert result.returncode == 0
    assert result.stdout.startswith("knowledge base OK")
    assert "quiz OK: " in result.stdout and "each with one right option" in result.stdout


def test_kb_check_names_file_entry_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder)
    faq = folder / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("related: [", "related: [ghost_entry, ", 1),
                   encoding="utf-8")
    result = kpo_bot("kb", "check", str(folder))
    assert result.returncode == 1
    assert "kb/faq.yaml, entry '" in result.stdout, "the folder checked, not the shipped one"
    assert "field 'related': unknown FAQ id 'ghost_entry'" in result.stdout


def test_kb_check_refuses_a_quiz_poll_telegram_would_refuse(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", folder)
    faq = folder / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    long_option = "          - " + "A very long choice " * 6 + "\n"
    faq.write_text(text.replace("          - Complete opposites\n", long_option, 1), encoding="utf-8")
    result = kpo_bot("kb", "check", str(folder))
    assert result.returncode == 1
    assert "kb/faq.yaml, entry 'sources_disagree', field 'quiz': question 1: option" in result.stdout
    assert "must be 1 to 100 characters in a Telegram poll (is 113)" in result.stdout


def test_a_broken_knowledge_dir_stops_ask_with_a_clear_message(tmp_path: Path) -> None:
    result = kpo_bot("ask", "hi", env={"KPO_BOT_KNOWLEDGE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "/faq.yaml: file is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_eval_prints_the_shares() -> None:
    result = kpo_bot("kb", "eval", "tests/data/dev.yaml")
    assert result.returncode == 0
    assert "answered correctly" in result.stdout and "right verdicts" in result.stdout


@pytest.mark.parametrize(("token", "message"), [
    (None, "TELEGRAM_BOT_TOKEN is not set"),
    ("not-a-token", "does not look like a BotFather token"),
])
def test_run_without_a_good_token_says_so_in_one_line(tmp_path: Path, token, message) -> None:
    env = {"TELEGRAM_BOT_TOKEN": token} if token else {}
    result = kpo_bot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not-a-token" not in result.stderr


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=bad\nKPO_BOT_LOG_LEVEL=LOUD\n")
    result = kpo_bot("run", env={"KPO_BOT_LOG_LEVEL": "INFO"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "LOUD" not in result.stderr


def test_compare_png_writes_the_picture(tmp_path: Path) -> None:
    from bot.picture import png_size

    target = tmp_path / "compare.png"
    result = kpo_bot("compare", "--png", str(target))
    assert result.returncode == 0, result.stderr
    width, height = png_size(target.read_bytes())
    assert width == 1080 and f"wrote {target}: {width}x{height} px" in result.stdout


def test_compare_png_into_a_missing_folder_says_so_in_one_line(tmp_path: Path) -> None:
    result = kpo_bot("compare", "--png", str(tmp_path / "no" / "such" / "x.png"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("kpo-bot: cannot write") and len(result.stderr.splitlines()) == 1


def test_compare_prints_the_whole_table() -> None:
    result = kpo_bot("compare")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("KPO vs BPO at a glance") and "Hands or brain" in result.stdout
    assert "<b>" not in result.stdout


def test_help_everywhere() -> None:
    for args in (["--help"], ["ask", "--help"], ["chat", "--help"], ["run", "--help"], ["compare", "--help"],
                 ["kb", "check", "--help"], ["kb", "eval", "--help"]):
        assert kpo_bot(*args).returncode == 0


def test_chat_keeps_the_choices_through_a_hint_and_notes_a_missing_one() -> None:
    result = kpo_bot("chat", stdin="9\n/classify\nskip\n1\nwhatever\n2\n/compare\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "There is no choice 9" in out
    assert "Please answer question 2 of" in out and "Question 3 of" in out
    assert "KPO vs BPO at a glance" not in out, "the terminal shows one dimension at a time"
    assert "Next »" in out


def test_chat_json_reads_a_conversation_and_prints_one_object_per_line() -> None:
    lines = ["what is kpo", "same for bpo?", "1", "/foo", "payroll, patent filing and data entry: bpo or kpo?",
             "is payroll bpo or kpo", "why?"]
    result = kpo_bot("chat", "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == lines
    assert records[0]["entry"] == "what_is_kpo" and records[3]["kind"] == "help"
    assert "don't know the command" in records[3]["text"]
    assert [v["verdict"] for v in records[4]["verdicts"]] == ["BPO", "KPO", "BPO"]
    assert records[6]["verdict"] == "BPO" and records[6]["verdicts"][0]["task"] == "Payroll processing"
    for r in records:
        parse_html(r["text"])


def test_chat_json_gives_the_note_of_a_press_that_sends_no_message() -> None:
    result = kpo_bot("chat", "--json", stdin="what is kpo\n9\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[1]["text"] == "" and "no choice 9" in records[1]["note"]


def test_report_reads_the_data_directory(tmp_path: Path) -> None:
    import asyncio

    from bot.questionlog import QuestionLog

    async def seed() -> None:
        qlog = QuestionLog(tmp_path)
        await qlog.question(1, "private", "what is ito", "fallback", None, None)
        await qlog.question(1, "private", "what is kpo", "answer", "what_is_kpo", 99.0)
        qlog.close()

    asyncio.run(seed())
    env = {"KPO_BOT_DATA_DIR": str(tmp_path)}
    text = kpo_bot("report", "--since", "7", env=env, cwd=tmp_path)
    assert text.returncode == 0 and "2 question(s) in the last 7 day(s)" in text.stdout
    assert "what is ito" in text.stdout
    as_json = json.loads(kpo_bot("report", "--format", "json", env=env, cwd=tmp_path).stdout)
    assert as_json["most_asked"] == [{"entry": "what_is_kpo", "asked": 1}]
    assert kpo_bot("report", "--format", "csv", env=env, cwd=tmp_path).stdout.startswith("table,")


def test_run_with_telegram_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"TELEGRAM_BOT_TOKEN": "123456789:AAHfKq3ZtVxLmPwYbNcRjUeGhSdTaQyXoIzB",
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot", "KPO_BOT_DATA_DIR": str(tmp_path / "data"),
           "KPO_BOT_MAX_RETRIES": "1", "KPO_BOT_RETRY_DELAY": "0.01", "KPO_BOT_TIMEOUT": "1"}
    result = kpo_bot("run", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kpo-bot: cannot reach the Bot API") and f"127.0.0.1:{port}" in last
    assert "AAHfKq3Z" not in result.stderr


def test_report_on_a_corrupt_log_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "questions.sqlite3").write_bytes(b"this is not a database" * 100)
    result = kpo_bot("report", env={"KPO_BOT_DATA_DIR": str(data)}, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kpo-bot: cannot read the question log")


def test_run_with_a_bad_setting_names_it_without_a_traceback(tmp_path: Path) -> None:
    token = "123456789:AAHfKq3ZtVxLmPwYbNcRjUeGhSdTaQyXoIzB"
    result = kpo_bot("run", "--port", "99999", env={"TELEGRAM_BOT_TOKEN": token}, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "KPO_BOT_WEBHOOK_PORT='99999'" in result.stderr


def test_a_failing_chat_turn_is_reported_and_the_chat_goes_on(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from bot import cli
    from bot.terminal import Session

    real = Session.turn

    def flaky(self, text, now=None):  # type: ignore[no-untyped-def]
        if text == "boom":
            raise RuntimeError("a bug")
        return real(self, text, now)

    monkeypatch.setattr(Session, "turn", flaky)
    monkeypatch.setattr("sys.stdin", io.StringIO("boom\nwhat is kpo\n"))
    assert cli.main(["chat"]) == 0
    out, err = capsys.readouterr()
    assert "went wrong" in err and "Traceback" not in err
    assert "Knowledge Process Outsourcing" in out


def test_report_says_why_it_is_empty(tmp_path: Path) -> None:
    result = kpo_bot("report", env={"KPO_BOT_DATA_DIR": str(tmp_path / "nothing")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "only `kpo-bot run` logs questions" in result.stdout


def test_chat_json_plays_a_quiz_round_line_by_line() -> None:
    from bot.knowledge import load
    from bot.quiz import QuestionBank
    from bot.render import Renderer

    bank = QuestionBank(load(), Renderer())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KPO_BOT_"))}
    chat = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert chat.stdin is not None and chat.stdout is not None

    def say(line: str) -> dict[str, object]:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write(line + "\n")
        chat.stdin.flush()
        return json.loads(chat.stdout.readline())

    try:
        record = say("/quiz 3")
        for number in range(1, 4):
            text = str(record["text"])
            assert record["kind"] == "quiz" and f"Question {number} of 3" in text
            [question] = [q for q in bank.questions.values() if f"</b>\n{q.text}" in text]
            buttons = [b for row in record["buttons"] for b in row]
            assert all(b["callback_data"].startswith("q:") for b in buttons)
            typed = html.unescape(question.options[question.correct]) if number == 2 else str(question.correct + 1)
            record = say(typed.upper() if number == 2 else typed)  # the answer's words work as its number
            assert "✅ Right!" in str(record["text"])
        assert "🏁 <b>3/3</b>" in str(record["text"])
        assert record["buttons"][-1][0]["callback_data"] == "m:quiz"
    finally:
        chat.stdin.close()
        chat.wait(timeout=60)
    assert chat.returncode == 0
