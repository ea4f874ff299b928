"""Settings: flags over the environment over .env, the token never from a flag, every bad value at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "123456789:AAHfKq3ZtVxLmPwYbNcRjUeGhSdTaQyXoIzB"


def test_flags_over_environment_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nKPO_BOT_LOG_LEVEL=DEBUG\nKPO_BOT_WEBHOOK_PORT=8000\n")
    settings = load_settings({"KPO_BOT_LOG_LEVEL": "WARNING", "KPO_BOT_WEBHOOK_PORT": "8001"}, dotenv,
                             flags={"KPO_BOT_WEBHOOK_PORT": "8002", "TELEGRAM_BOT_TOKEN": "1:flag"})
    assert (settings.require_token(), settings.log_level, settings.webhook_port) == (TOKEN, "WARNING", 8002)


def test_every_bad_value_in_one_message() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"KPO_BOT_ADMIN_IDS": "12,bob", "KPO_BOT_WEBHOOK_URL": "http://bot.example.com/hook",
                       "KPO_BOT_WEBHOOK_PORT": "0", "KPO_BOT_LOG_FORMAT": "xml",
                       "KPO_BOT_LOG_QUESTIONS": "maybe", "TELEGRAM_BOT_TOKEN": "nope"}, dotenv=None)
    message = str(caught.value)
    assert len(caught.value.problems) == 6
    for part in ("KPO_BOT_ADMIN_IDS='12,bob' must be numeric", "must be an https:// URL",
                 "KPO_BOT_WEBHOOK_PORT='0'", "KPO_BOT_LOG_FORMAT='xml'", "KPO_BOT_LOG_QUESTIONS='maybe'",
                 "TELEGRAM_BOT_TOKEN=(hidden)"):
        assert part in message
    assert "nope" not in message


def test_good_values() -> None:
    settings = load_settings({"KPO_BOT_ADMIN_IDS": "12, 34", "KPO_BOT_WEBHOOK_URL": "https://bot.example.com/kpo",
                              "KPO_BOT_LOG_QUESTIONS": "0", "KPO_BOT_LOG_RETENTION_DAYS": "30"}, dotenv=None)
    assert settings.admin_ids == (12, 34) and settings.webhook_url == "https://bot.example.com/kpo"
    assert settings.log_questions is False and settings.log_retention_days == 30.0
    assert settings.webhook_listen == "127.0.0.1" and settings.webhook_secret is None


def test_a_loopback_webhook_may_use_http() -> None:
    assert load_settings({"KPO_BOT_WEBHOOK_URL": "http://127.0.0.1:8080/hook"}, dotenv=None).webhook_url


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import logging

    from bot import logs

    logs.configure("INFO", "json")
    logging.getLogger("bot.updates").info("update %s kind=%s", 7, "message")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "bot.updates"
    assert record["message"] == "update 7 kind=message"
    logging.basicConfig(force=True, handlers=[logging.NullHandler()])


def test_repr_hides_the_token_and_the_webhook_secret() -> None:
    secret = "w3bh00k-secret-value"
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "KPO_BOT_WEBHOOK_SECRET": secret}, dotenv=None)
    for text in (repr(settings), str(settings)):
        assert TOKEN.split(":")[1] not in text and secret not in text


@pytest.mark.parametrize("url", ["http://api.example.com/bot", "http://10.0.0.5:8081/bot"])
def test_a_plain_http_api_url_is_refused_off_loopback(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"TELEGRAM_API_BASE_URL": url}, dotenv=None)
    assert "TELEGRAM_API_BASE_URL" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8081/bot", "http://localhost:8081/bot",
                                 "http://[::1]:8081/bot", "https://api.example.com/bot"])
def test_a_loopback_or_https_api_url_is_accepted(url: str) -> None:
    assert load_settings({"TELEGRAM_API_BASE_URL": url}, dotenv=None).api_base_url == url


def test_values_are_read_around_spaces_and_numbers_checked() -> None:
    settings = load_settings({"KPO_BOT_RATE_LIMIT": " 0 ", "KPO_BOT_LOG_LEVEL": "debug",
                              "KPO_BOT_TIMEOUT": "2.5", "KPO_BOT_ADMIN_IDS": ""}, dotenv=None)
    assert (settings.rate_limit, settings.log_level, settings.timeout, settings.admin_ids) == (
        False, "DEBUG", 2.5, ())
    with pytest.raises(SettingsError) as caught:
        load_settings({"KPO_BOT_TIMEOUT": "abc", "KPO_BOT_CONCURRENCY": "0", "KPO_BOT_POLL_TIMEOUT": "²"},
                      dotenv=None)
    assert [p.split("=")[0] for p in caught.value.problems] == [
        "KPO_BOT_TIMEOUT", "KPO_BOT_POLL_TIMEOUT", "KPO_BOT_CONCURRENCY"]


def test_updates_ptb_cannot_read_are_never_quoted_in_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from bot import logs

    logs.configure("INFO", "text")
    data = {"update_id": 5, "message": {"text": "my private words"}}
    logging.getLogger("telegram.ext.Updater").critical(
        "Something went wrong processing the data received from Telegram. Received data was *not* "
        "processed! Received data was: %r", data)
    logging.getLogger("telegram.ext.ExtBot").critical("Error while parsing updates! Received data was %r", [data])
    err = capsys.readouterr().err
    assert "my private words" not in err and err.count("withheld") == 2
    logging.basicConfig(force=True, handlers=[logging.NullHandler()])
