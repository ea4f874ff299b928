"""kpo-bot: explains the difference between KPO and BPO on Telegram and in the terminal."""
