"""Statistics (统计分析): the figures a reform office reports — 办件量, 按期办结率, 即办件,
补正 and 退回 rates, materials spared, trips (跑动次数), ratings — kept as aggregates.

Each case has one row of *figures* (``CaseFigures``: when it started, was accepted,
concluded, how long it took, what it needed); every command on a case recomputes that row
and moves the difference into the daily rollup (``DailyFigures``: per day, matter and
department), in the command's own transaction.  A year's statistics sum 365 × matters ×
departments rows, never the cases.  docs/STATISTICS.md defines every figure.
"""
