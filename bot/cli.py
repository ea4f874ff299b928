"""The `kpo-bot` command: ask, chat, run, kb check, kb eval. Thin: the engine does the work."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot import logs
from bot.engine import Engine, build_engine
from bot.knowledge import KnowledgeError, load
from bot.quiz import QuestionBank
from bot.render import Renderer, TemplateProblem
from bot.semantic import default_cache_dir
from bot.settings import SettingsError, load_settings

EXIT_INVALID = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args) or 0)
    except KnowledgeError as exc:
        print(f"kpo-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except TemplateProblem as exc:
        print(f"kpo-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except SettingsError as exc:
        print(f"kpo-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpo-bot", description="Explains the difference between KPO and BPO.")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer questions given as arguments or on standard input")
    ask.add_argument("question", nargs="*", help="questions; none: read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.set_defaults(handler=_ask)

    chat = sub.add_parser("chat", help="chat with the bot in the terminal")
    chat.add_argument("--json", action="store_true",
                      help="read lines from standard input and print one JSON object per line")
    chat.set_defaults(handler=_chat)

    compare = sub.add_parser("compare", help="print the BPO/KPO comparison, or write it as a picture")
    compare.add_argument("--png", metavar="FILE", type=Path,
                         help="write the comparison as a PNG picture (the one the bot sends) to FILE")
    compare.set_defaults(handler=_compare)

    run = sub.add_parser(
        "run", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN or .env, never a flag)",
        description="Flags override the environment, which overrides .env; see the README.")
    run.add_argument("--webhook", metavar="URL", help="webhook mode at this public https URL "
                     "(KPO_BOT_WEBHOOK_URL); default: long polling")
    run.add_argument("--listen", metavar="ADDR", help="webhook server address (KPO_BOT_WEBHOOK_LISTEN)")
    run.add_argument("--port", metavar="PORT", help="webhook server port (KPO_BOT_WEBHOOK_PORT)")
    run.add_argument("--data-dir", metavar="DIR", help="state and question log (KPO_BOT_DATA_DIR)")
    run.add_argument("--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR")
    run.add_argument("--log-format", metavar="FORMAT", help="text or json")
    run.set_defaults(handler=_run)

    report = sub.add_parser("report", help="what users asked, and what the bot could not answer")
    report.add_argument("--since", type=float, default=30.0, metavar="DAYS",
                        help="look at the last DAYS days (default 30)")
    report.add_argument("--format", choices=("text", "json", "csv"), default="text")
    report.set_defaults(handler=_report)

    kb = sub.add_parser("kb", help="check or evaluate the knowledge base")
    kb_sub = kb.add_subparsers(title="kb commands", metavar="KB_COMMAND")
    check = kb_sub.add_parser("check", help="validate knowledge/ and templates/; exit 1 if invalid")
    check.add_argument("folder", nargs="?", help="knowledge folder (default: the configured one)")
    check.set_defaults(handler=_kb_check)
    ev = kb_sub.add_parser("eval", help="accuracy on a labelled question set")
    ev.add_argument("file", type=Path, help="a question set, e.g. tests/data/eval.yaml")
    ev.add_argument("--totals", action="store_true",
                    help="print the figures only, not the misses (for validation sets)")
    ev.set_defaults(handler=_kb_eval)

    def kb_help(_args: argparse.Namespace) -> int:
        kb.print_help()
        return EXIT_USAGE

    kb.set_defaults(handler=kb_help)
    return parser


def _ask(args: argparse.Namespace) -> int:
    engine = build_engine()
    questions: Iterable[str] = args.question or (line.rstrip("\r\n") for line in sys.stdin)
    color = sys.stdout.isatty()
    for text in questions:
        reply = engine.converse(text, None, time.time())
        if args.json:
            print(json.dumps(reply.as_json(text), ensure_ascii=False), flush=True)
        else:
            from bot.terminal import show

            print(show(reply, color=color)[0] + "\n", flush=True)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.terminal import Session, show

    session = Session(build_engine())
    interactive = sys.stdin.isatty() and not args.json
    color = sys.stdout.isatty() and not args.json
    opening = session.opening()
    if not args.json:
        print(show(opening, color=color)[0] + "\n", flush=True)
    if interactive:
        print("Type a question, a number to pick a choice, /classify, /quiz, /help, or /quit.\n")
    for line in _lines(sys.stdin, interactive):
        text = line.strip()
        if text in {"/quit", "/exit", "quit", "exit"}:
            break
        try:
            reply = session.turn(text)
        except Exception as exc:  # a bug must not end the session with a traceback
            logging.getLogger(__name__).debug("chat turn failed", exc_info=exc)
            print(f"(Sorry, that went wrong: {type(exc).__name__}. Try asking another way.)\n",
                  file=sys.stderr, flush=True)
            continue
        if args.json:
            print(json.dumps(reply.as_json(text), ensure_ascii=False), flush=True)
        else:
            print(show(reply, color=color)[0] + "\n", flush=True)
    return 0


def _lines(stream: TextIO, interactive: bool) -> Iterable[str]:
    while True:
        try:
            line = input("you> ") if interactive else stream.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        yield line.rstrip("\r\n")


def _compare(args: argparse.Namespace) -> int:
    from bot.cards import comparison_picture
    from bot.picture import png_size
    from bot.terminal import to_terminal

    kb, renderer = load(), Renderer()
    if args.png is None:
        overview = renderer.render("compare_overview", dimensions=list(kb.dimensions.values()),
                                   sources=list(kb.sources.values()))
        print(to_terminal(overview, color=sys.stdout.isatty()))
        return 0
    picture = comparison_picture(kb, renderer)
    png = picture.png()
    try:
        args.png.write_bytes(png)
    except OSError as exc:
        print(f"kpo-bot: cannot write {args.png}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    width, height = png_size(png)
    print(f"wrote {args.png}: {width}x{height} px, {len(png) / 1000:.0f} kB")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(flags={
        "KPO_BOT_WEBHOOK_URL": args.webhook, "KPO_BOT_WEBHOOK_LISTEN": args.listen,
        "KPO_BOT_WEBHOOK_PORT": args.port, "KPO_BOT_DATA_DIR": args.data_dir,
        "KPO_BOT_LOG_LEVEL": args.log_level, "KPO_BOT_LOG_FORMAT": args.log_format,
    })
    settings.require_token()
    logs.configure(settings.log_level, settings.log_format)
    engine = build_engine(dialog_timeout=settings.dialog_timeout * 60,
                          context_minutes=settings.context_minutes)
    from telegram.error import BadRequest, InvalidToken, NetworkError

    from bot.telegram.app import build_application, serve

    gc.collect()
    gc.freeze()  # the engine's many objects live for good: keep them out of GC passes
    app = build_application(settings, engine)
    logging.getLogger(__name__).info("kpo-bot starting (%s)", _summary(engine))
    try:
        serve(app, settings)
    except InvalidToken:
        # PTB's message quotes the whole token; say what happened without it.
        print("kpo-bot: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", file=sys.stderr)
        return EXIT_USAGE
    except NetworkError as exc:  # retries are spent: one line, not PTB's two tracebacks
        if isinstance(exc, BadRequest):  # a NetworkError to PTB, but Telegram did answer
            raise
        print(f"kpo-bot: cannot reach the Bot API at {settings.api_base_url} "
              f"({type(exc).__name__}: {_one_line(exc)}); check the network and try again",
              file=sys.stderr)
        return EXIT_INVALID
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _summary(engine: Engine) -> str:
    return ", ".join(f"{n} {k}" for k, n in engine.kb.counts().items())


def _report(args: argparse.Namespace) -> int:
    from bot import report
    from bot.questionlog import QuestionLog

    settings = load_settings()
    database = QuestionLog.database(settings.data_dir)
    try:
        built = report.build(database, since_days=args.since)
    except sqlite3.Error as exc:  # corrupt, locked or unreadable: one line, not a traceback
        print(f"kpo-bot: cannot read the question log {database}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(report.FORMATS[args.format](built))
    if built.questions == 0 and args.format == "text":
        where = "no question log yet" if not database.exists() else "the log has no questions in that period"
        print(f"({where} in {settings.data_dir}: only `kpo-bot run` logs questions from Telegram; "
              "`kpo-bot chat` and `kpo-bot ask` keep nothing.)")
    return 0


def _kb_check(args: argparse.Namespace) -> int:
    try:
        kb = load(args.folder)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found")
        return EXIT_INVALID
    template_problems = Renderer().check()
    for message in template_problems:
        print(message)
    if template_problems:
        return EXIT_INVALID
    bank = QuestionBank(kb, Renderer())  # every quiz poll the knowledge base can produce
    for problem in bank.problems:
        print(problem)
    if bank.problems:
        print(f"{len(bank.problems)} problem(s) found")
        return EXIT_INVALID
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    print(f"knowledge base OK: {counts}")
    print(f"quiz OK: {len(bank)} questions within Telegram's poll limits, each with one right option")
    engine = Engine(kb)  # reads the phrasing vectors, or computes and caches them
    assert engine.semantic is not None
    print(f"phrasing vectors ready: {len(engine.semantic)} in {default_cache_dir()}")
    return 0


def _kb_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import EvalSetError, by_voice, load_items, voice_table

    try:
        items = load_items(args.file)
    except EvalSetError as exc:
        print(f"kpo-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reports = by_voice(build_engine(), items)
    lines = reports["all"].lines()
    if args.totals:
        lines = [line for line in lines if not line.startswith(("misses", "  - "))]
    print("\n".join(lines))
    if set(reports) != {"all", "unmarked"}:
        print("\n" + "\n".join(voice_table(reports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
