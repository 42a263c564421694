"""The one hardened expression language of govflow.

SpiffWorkflow evaluates gateway conditions, timer values, multi-instance cardinalities and
completion conditions and DMN cells with Python ``eval()`` and full builtins.  An uploaded
BPMN file is untrusted, so every expression goes through this module instead (see
``engine/script_engine.py``): the text is translated from Camunda/JUEL style to Python
syntax, parsed with :mod:`ast`, checked against a whitelist and walked by a small
interpreter.  Nothing here calls ``eval``, ``exec`` or ``compile`` to code objects.

What an expression may do:

* literals (text, numbers, booleans, ``None``, lists, tuples, dicts, sets);
* read variables of the case (unknown names are an error, not ``None``);
* ``record.field`` reads a key of a dict (JUEL property syntax), ``x[i]`` / ``x[a:b]``;
  a missing field is an error too (a typo must not silently route a case): test optional
  fields with ``'spouse' in applicant``;
* ``and or not``, comparisons (chained, ``in``, ``is``), ``+ - * / // % **``, ``a if c else b``;
* call the pure functions in :data:`FUNCTIONS` (``len``, ``min``, ``max``, ...).

Everything else (lambdas, comprehensions, method calls, names or fields starting with
``_``, f-strings, ``:=`` ...) is refused with :class:`ExpressionError`.  Sizes are limited
so that an expression cannot exhaust memory or CPU (``9**9**9``, ``'a' * 10**9``).

ISO 8601 timer values written unquoted, as Camunda Modeler writes them (``P3D``,
``PT4H``, ``R3/PT10M``, ``2026-12-01T09:00:00+08:00``), evaluate to themselves.
"""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "ExpressionSyntaxError",
    "MissingFact",
    "evaluate",
    "is_iso8601_literal",
    "iso8601_kind",
    "translate",
    "validate",
]

# --- limits ----------------------------------------------------------------------------

MAX_SOURCE_CHARS = 4_000
MAX_NODES = 500
MAX_DEPTH = 60  # the walker recurses; keep far below Python's recursion limit
MAX_EXPONENT = 100
MAX_POWER_BITS = 400  # predicted size of an int power before computing it
MAX_INT = 10**100
MAX_SIZE = 100_000  # characters of text / items of containers an expression may build
MAX_WORK = 2_000_000  # rough step budget of one evaluation (nodes + items touched)
MAX_ROUND_DIGITS = 100
MAX_TIMER_MONTHS = 1_200  # SpiffWorkflow loops once per month of a timer duration


class ExpressionError(ValueError):
    """An expression that govflow refuses to evaluate, with a message for people."""


class MissingFact(ExpressionError):
    """A field read from a record that is not there (``property["area"]`` with no property
    record: shared data could not provide it).  A person can supply the fact, so it is told
    apart from a broken expression."""

    def __init__(self, record: str | None, fact: str | None, message: str) -> None:
        super().__init__(message)
        self.record, self.fact = record, fact


class ExpressionSyntaxError(ExpressionError):
    """The text is not an expression at all (it does not parse).

    Kept apart because SpiffWorkflow's DMN engine needs a ``SyntaxError`` for unparsable
    cells such as ``> 140`` to decide how to combine them with the input expression.
    """


# --- ISO 8601 timer literals ------------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = (
    rf"P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
)
_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_DURATION_RE = re.compile(_DURATION)
_DATETIME_RE = re.compile(_DATETIME)
_CYCLE_RE = re.compile(rf"R\d*/(?:{_DURATION}|{_DATETIME})(?:/(?:{_DURATION}|{_DATETIME}))?")


def _is_duration(text: str) -> bool:
    # The regex alone would accept "P" and "P1DT"; ISO requires a component after P and T.
    return (
        _DURATION_RE.fullmatch(text) is not None
        and text != "P"
        and not text.endswith("T")
        and "TT" not in text
    )


def iso8601_kind(expr: str) -> str | None:
    """``"duration"``, ``"date"`` or ``"cycle"`` for an unquoted ISO 8601 literal, else None.

    Timer elements need the matching kind: SpiffWorkflow parses timeDuration as a
    duration, timeDate as a date/time and timeCycle as a repeating interval.
    """
    if not isinstance(expr, str) or len(expr) > 100:
        return None
    text = expr.strip()
    if _is_duration(text):
        return "duration"
    if _DATETIME_RE.fullmatch(text):
        return "date"
    if _CYCLE_RE.fullmatch(text) and all(
        _is_duration(part) or _DATETIME_RE.fullmatch(part) for part in text.split("/")[1:]
    ):
        return "cycle"
    return None


def is_iso8601_literal(expr: str) -> bool:
    """True for an unquoted ISO 8601 duration, date/time or repeating interval.

    ``P3D``, ``PT4H``, ``P1DT2H``, ``R3/PT10M``, ``R/P1D``, ``2026-12-01``,
    ``2026-12-01T09:00:00+08:00``.  Such text is a timer value, not an expression.
    """
    return iso8601_kind(expr) is not None


def _duration_months(text: str) -> float:
    # only the date part: the M after T means minutes
    match = re.match(rf"P(?:({_NUM})Y)?(?:({_NUM})M)?", text.split("T")[0])
    if match is None:
        return 0.0
    years, months = (float((g or "0").replace(",", ".")) for g in match.groups())
    return years * 12 + months


def _check_iso8601(text: str) -> None:
    """Refuse timer values SpiffWorkflow would choke on (impossible dates, huge loops)."""
    for part in text.strip().split("/"):
        if part.startswith("R") or not part:
            continue
        if part.startswith("P"):
            # SpiffWorkflow computes durations month by month: P99999999Y would spin.
            if _duration_months(part) > MAX_TIMER_MONTHS:
                raise ExpressionError(
                    f"timer duration '{part}' is too long (at most {MAX_TIMER_MONTHS // 12} years)"
                )
            continue
        try:
            datetime.fromisoformat(part.replace(",", "."))
        except ValueError:
            raise ExpressionError(f"'{part}' is not a valid ISO 8601 date/time") from None


def check_timer_value(value: Any) -> None:
    """Refuse a computed timer value that would make SpiffWorkflow's timer code spin."""
    if isinstance(value, str) and is_iso8601_literal(value):
        _check_iso8601(value)


# --- translation from Camunda / JUEL style ---------------------------------------------

_JUEL_WORDS = {
    "true": "True",
    "false": "False",
    "null": "None",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_STRING_PREFIXES = {"r", "u", "b", "f", "br", "rb", "fr", "rf"}


def _is_ident_start(ch: str) -> bool:
    return ch == "_" or ch.isidentifier()


def _is_ident_char(ch: str) -> bool:
    return ch == "_" or ("a" + ch).isidentifier()


def _string_end(src: str, start: int) -> int:
    """Index just after the string literal opening at ``start`` (or len(src) if unclosed)."""
    quote = src[start : start + 3] if src[start : start + 3] in ('"""', "'''") else src[start]
    i = start + len(quote)
    while i < len(src):
        if src[i] == "\\":
            i += 2
            continue
        if src.startswith(quote, i):
            return i + len(quote)
        i += 1
    return len(src)


def _closing_brace(src: str, open_index: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``open_index``, skipping string literals."""
    depth = 0
    i = open_index
    while i < len(src):
        ch = src[i]
        if ch in "'\"":
            i = _string_end(src, i)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ExpressionSyntaxError("'${' without a matching '}'")


def _skip_space(src: str, i: int) -> int:
    while i < len(src) and src[i].isspace():
        i += 1
    return i


def _read_ident(src: str, i: int) -> int:
    while i < len(src) and _is_ident_char(src[i]):
        i += 1
    return i


def _empty_operand(src: str, i: int) -> tuple[str, int]:
    """JUEL ``empty x``: return the rewritten call and the index after the operand.

    Only ``empty name.path`` and ``empty (expr)`` are supported; that covers what
    people write and avoids re-implementing JUEL's precedence rules.
    """
    j = _skip_space(src, i)
    if j < len(src) and src[j] == "(":
        return "is_empty", j  # the parenthesised group is translated by the main loop
    path = re.match(r"[^\W\d]\w*(?:\s*\.\s*[^\W\d]\w*)*", src[j:])
    if path is None:
        raise ExpressionSyntaxError(
            "'empty' must be followed by a variable or a parenthesised expression"
        )
    return f"is_empty({path.group(0)})", j + path.end()


class _Rewriter:
    """Single pass over the source that rewrites JUEL operators outside string literals."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.out: list[str] = []
        self.after_dot = False  # the previous token was '.', so a word is a field name

    def emit_word(self, word: str) -> None:
        # Operators produced from symbols ('&&' -> 'and') need spaces around them.
        if self.out and not self.out[-1][-1:].isspace() and self.out[-1][-1:] not in "([{":
            self.out.append(" ")
        self.out.append(word + " ")

    def run(self, depth: int = 0) -> str:
        src, i = self.src, 0
        while i < len(src):
            ch, nxt = src[i], src[i + 1 : i + 2]
            dot = False
            if ch in "'\"":
                end = _string_end(src, i)
                self.out.append(src[i:end])
                i = end
            elif ch in "$#" and nxt == "{":
                if depth > 5:
                    raise ExpressionSyntaxError("'${...}' nested too deeply")
                close = _closing_brace(src, i + 1)
                inner = _Rewriter(src[i + 2 : close]).run(depth + 1)
                self.out.append(f"({inner.strip()})")
                i = close + 1
            elif ch.isdigit() or (ch == "." and nxt.isdigit()):
                # numbers are copied whole so '1e5' or '0x1f' is never seen as a word
                end = i
                while end < len(src) and (src[end].isalnum() or src[end] in "._"):
                    end += 1
                self.out.append(src[i:end])
                i = end
            elif _is_ident_start(ch):
                i = self.word(i)
            elif ch == "&" and nxt == "&":
                self.emit_word("and")
                i = _skip_space(src, i + 2)
            elif ch == "|" and nxt == "|":
                self.emit_word("or")
                i = _skip_space(src, i + 2)
            elif ch == "!" and nxt != "=":
                # JUEL '!' binds tighter than Python 'not', but for the boolean operands
                # conditions have, (!a) == b and not (a == b) agree.
                self.emit_word("not")
                i = _skip_space(src, i + 1)
            elif ch.isspace():
                self.out.append(ch)
                i += 1
                continue  # whitespace does not end a 'record .' prefix
            else:
                self.out.append(ch)
                dot = ch == "."
                i += 1
            self.after_dot = dot
        return "".join(self.out)

    def word(self, i: int) -> int:
        src = self.src
        end = _read_ident(src, i)
        word = src[i:end]
        if word.lower() in _STRING_PREFIXES and src[end : end + 1] in ("'", '"'):
            close = _string_end(src, end)
            self.out.append(src[i:close])
            return close
        if self.after_dot:
            self.out.append(word)  # a field name such as applicant.ne is not an operator
        elif word == "empty":
            text, end = _empty_operand(src, end)
            self.out.append(text)
        else:
            self.out.append(_JUEL_WORDS.get(word, word))
        return end


def _unwrap(src: str) -> str:
    """Strip one ``${...}`` or ``#{...}`` wrapper around the whole expression."""
    if src[:2] in ("${", "#{") and _closing_brace(src, 1) == len(src) - 1:
        return src[2:-1].strip()
    return src


def translate(expr: str) -> str:
    """Rewrite Camunda/JUEL syntax into the Python syntax the evaluator parses.

    ``${approved}`` -> ``approved``; ``${area > 140 && first_home}`` ->
    ``area > 140 and first_home``; ``${!accepted}`` -> ``not accepted``; ``||`` -> ``or``;
    ``true/false/null`` -> ``True/False/None``; ``eq ne lt gt le ge div mod`` -> operators;
    ``empty x`` -> ``is_empty(x)``.  Plain Python expressions pass through unchanged, and
    nothing inside string literals is touched.  A consequence: the JUEL reserved words
    above cannot be used as variable names (they can as field names: ``a.empty``).
    """
    if not isinstance(expr, str):
        raise ExpressionError("an expression must be text")
    if len(expr) > MAX_SOURCE_CHARS:
        raise ExpressionError(f"expression is too long (more than {MAX_SOURCE_CHARS} characters)")
    src = _unwrap(expr.strip())
    return _Rewriter(src).run().strip()


# --- static checks ---------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    """JUEL ``empty``: None, empty text or an empty collection (0 and False are not empty)."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple | dict | set | frozenset):
        return len(value) == 0
    return False


def _text_function(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(text: Any, *args: Any) -> Any:
        if not isinstance(text, str):
            raise ExpressionError(f"{name}() needs text, got {type(text).__name__}")
        return method(text, *args)

    return call


#: The functions an expression may call.  All are pure; the wrappers in _Evaluator.call
#: add size limits where a builtin could be made to do unbounded work.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "is_empty": _is_empty,
    "lower": _text_function("lower", str.lower),
    "upper": _text_function("upper", str.upper),
    "strip": _text_function("strip", str.strip),
    "startswith": _text_function("startswith", str.startswith),
    "endswith": _text_function("endswith", str.endswith),
}

_KEYWORDS_ALLOWED = {"sorted": {"reverse"}}

_BIN_OPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_REFUSED_BIN_OPS = {
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.MatMult: "@",
}
_UNARY_OPS: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
# Node types that may appear; operator/context nodes are checked via their parents.
_ALLOWED_NODES = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Load,
    ast.boolop,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
)
_REFUSED_NODES: dict[type, str] = {
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Starred: "starred arguments (*x) are not allowed",
    ast.JoinedStr: "f-strings are not allowed; use + to join text",
    ast.FormattedValue: "f-strings are not allowed; use + to join text",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


def _syntax_hint(src: str) -> str:
    """A pointer for constructs people bring from FEEL/JUEL that we do not support."""
    blanked = re.sub(r"('[^']*'|\"[^\"]*\")", '""', src)
    if ".." in blanked:
        return " (ranges like [1..5] are not supported; in a DMN cell write 1 <= ? <= 5)"
    if "?" in blanked:
        return " (the JUEL form 'c ? a : b' is not supported; write 'a if c else b')"
    return ""


def _parse(src: str) -> ast.Expression:
    if not src:
        raise ExpressionError("expression is empty")
    try:
        return ast.parse(src, mode="eval")
    except SyntaxError as exc:
        detail = exc.msg or "invalid syntax"
        raise ExpressionSyntaxError(
            f"not a valid expression: {detail}{_syntax_hint(src)}: {src[:200]!r}"
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too complex") from None
    except ValueError:  # e.g. NUL characters
        raise ExpressionSyntaxError("expression contains invalid characters") from None


def _check_names(tree: ast.AST) -> None:
    """Refuse private names first: they are the way into Python internals."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"name '{node.id}' is not allowed (names may not start with '_')")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"attribute access to '{node.attr}' is not allowed")


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name):
        if isinstance(node.func, ast.Attribute):
            raise ExpressionError(
                f"method calls such as '.{node.func.attr}()' are not allowed; "
                f"allowed functions: {', '.join(sorted(FUNCTIONS))}"
            )
        raise ExpressionError("only named functions may be called")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"function '{name}' is not allowed; allowed functions: {', '.join(sorted(FUNCTIONS))}"
        )
    for kw in node.keywords:
        if kw.arg is None:
            raise ExpressionError("'**' arguments are not allowed")
        if kw.arg not in _KEYWORDS_ALLOWED.get(name, set()):
            raise ExpressionError(f"keyword argument '{kw.arg}' is not allowed for {name}()")


def _check_constant(node: ast.Constant) -> None:
    value = node.value
    if value is None or isinstance(value, bool | str | float):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ExpressionError("integer literal is too large")
        return
    raise ExpressionError(f"{type(value).__name__} literals are not allowed")


def _check_node(node: ast.AST) -> None:
    refused = _REFUSED_NODES.get(type(node))
    if refused:
        raise ExpressionError(refused)
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        raise ExpressionError("text formatting with '%' is not allowed; use + to join text")
    if isinstance(node, ast.BinOp) and type(node.op) in _REFUSED_BIN_OPS:
        raise ExpressionError(f"operator '{_REFUSED_BIN_OPS[type(node.op)]}' is not allowed")
    if isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY_OPS:
        raise ExpressionError("operator '~' is not allowed")
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionError(f"'{type(node).__name__}' is not allowed in an expression")
    if isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.Constant):
        _check_constant(node)
    elif isinstance(node, ast.Dict) and any(key is None for key in node.keys):
        raise ExpressionError("'**' unpacking is not allowed")


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_bare_tuple(tree: ast.Expression, src: str) -> None:
    """``"a","b"`` parses as a tuple; in a DMN cell it would silently never match."""
    body = tree.body
    if isinstance(body, ast.Tuple) and src.encode()[body.col_offset : body.col_offset + 1] != b"(":
        raise ExpressionError(
            'a bare comma-separated list is not allowed (FEEL lists like "a","b" in a '
            'DMN cell are not supported: write one rule per value, or ? in ["a", "b"])'
        )


def _fold_constants(tree: ast.Expression) -> None:
    """Evaluate every subtree without variables, so validate() catches 9**9**9 at deploy."""
    function_names = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    with_names: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in function_names:
            with_names.add(id(node))

    def has_names(node: ast.AST) -> bool:
        if id(node) in with_names:
            return True
        found = any([has_names(child) for child in ast.iter_child_nodes(node)])  # visit all
        if found:
            with_names.add(id(node))
        return found

    has_names(tree)
    pending: list[ast.AST] = [tree.body]
    while pending:
        node = pending.pop()
        if id(node) in with_names:
            pending.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.expr) and not isinstance(node, ast.Constant | ast.Name):
            _run(node, {})


def _compile(expr: str) -> ast.Expression | str:
    if not isinstance(expr, str):
        raise ExpressionError("an expression must be text")
    return _compile_text(expr)


@functools.lru_cache(maxsize=2048)
def _compile_text(expr: str) -> ast.Expression | str:
    """Translate, parse and check ``expr``; an ISO timer literal is returned as text.

    Cached: the same conditions are evaluated on every step of every case.
    """
    if len(expr) > MAX_SOURCE_CHARS:
        raise ExpressionError(f"expression is too long (more than {MAX_SOURCE_CHARS} characters)")
    if is_iso8601_literal(expr):
        _check_iso8601(expr)
        return expr.strip()
    src = translate(expr)
    tree = _parse(src)
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"expression is too complex (more than {MAX_NODES} elements)")
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError("expression is nested too deeply")
    _check_names(tree)
    for node in nodes:
        _check_node(node)
    _check_bare_tuple(tree, src)
    _fold_constants(tree)
    return tree


def validate(expr: str) -> None:
    """Raise :class:`ExpressionError` if ``expr`` would be refused by :func:`evaluate`.

    Unparsable text raises the subclass :class:`ExpressionSyntaxError`.  Checks that
    depend on data (unknown variables, sizes of values) can only fail at evaluation;
    limits on constant parts (``9**9**9``) are checked here already.
    """
    _compile(expr)


# --- evaluation ------------------------------------------------------------------------

_NUMBER = (int, float, Decimal)
_SEQUENCE = (str, bytes, list, tuple)


class _Evaluator:
    """Walks a checked AST.  One instance per evaluation (it carries the work budget)."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context
        self.work = 0

    def charge(self, amount: int) -> None:
        self.work += amount
        if self.work > MAX_WORK:
            raise ExpressionError("expression needs too much work to evaluate")

    def eval(self, node: ast.AST) -> Any:
        self.charge(1)
        method = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:  # unreachable after _check_node, but never fall through
            raise ExpressionError(f"'{type(node).__name__}' is not allowed in an expression")
        return method(node)

    # -- leaves and containers

    def eval_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def eval_Name(self, node: ast.Name) -> Any:
        if node.id not in self.context:
            raise ExpressionError(f"unknown variable '{node.id}'")
        return self.context[node.id]

    def eval_List(self, node: ast.List) -> list[Any]:
        return self.sized([self.eval(item) for item in node.elts])

    def eval_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return self.sized(tuple(self.eval(item) for item in node.elts))

    def eval_Set(self, node: ast.Set) -> set[Any]:
        return self.sized({self.eval(item) for item in node.elts})

    def eval_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        return self.sized(
            {self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values, strict=True)}
        )

    # -- access

    def eval_Attribute(self, node: ast.Attribute) -> Any:
        value = self.eval(node.value)
        if value is None:
            raise _missing(node.value, node.attr)
        # JUEL's record.field: only a key lookup on dicts, never a Python attribute.
        if not isinstance(value, Mapping):
            raise ExpressionError(
                f"'.{node.attr}' can only read a field of a record, not of {_kind(value)}"
            )
        if node.attr not in value:
            raise ExpressionError(f"the record has no field '{node.attr}'")
        return value[node.attr]

    def eval_Subscript(self, node: ast.Subscript) -> Any:
        value = self.eval(node.value)
        key = self.eval(node.slice)
        if value is None:
            raise _missing(node.value, key)
        if not isinstance(value, Mapping | list | tuple | str):
            raise ExpressionError(f"cannot index {_kind(value)}")
        try:
            return value[key]
        except KeyError:
            raise ExpressionError(f"no key {key!r:.100}") from None
        except IndexError:
            raise ExpressionError(f"index {key!r:.100} is out of range") from None
        except TypeError as exc:
            raise ExpressionError(f"cannot index: {exc}") from None

    def eval_Slice(self, node: ast.Slice) -> slice:
        parts = [
            None if part is None else self.eval(part)
            for part in (node.lower, node.upper, node.step)
        ]
        for part in parts:
            if part is not None and not isinstance(part, int):
                raise ExpressionError("slice bounds must be integers")
        return slice(*parts)

    # -- operators

    def eval_BoolOp(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for value_node in node.values:
            result = self.eval(value_node)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def eval_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.eval(node.operand)
        return _guarded(_UNARY_OPS[type(node.op)], operand)

    def eval_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.eval(node.left), self.eval(node.right)
        symbol, function = _BIN_OPS[type(node.op)]
        self.check_binop(symbol, left, right)
        return self.checked(_guarded(function, left, right))

    def check_binop(self, symbol: str, left: Any, right: Any) -> None:
        """Refuse operations whose result would be huge before Python computes them."""
        if symbol == "**":
            _check_power(left, right)
        elif symbol == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, _SEQUENCE) and isinstance(count, int):
                    if self.weight(seq) * max(count, 0) > MAX_SIZE:
                        raise ExpressionError(
                            f"result would be too large (more than {MAX_SIZE:,} items)"
                        )
        elif symbol == "+":
            if isinstance(left, _SEQUENCE) and isinstance(right, _SEQUENCE):
                if self.weight(left) + self.weight(right) > MAX_SIZE:
                    raise ExpressionError(
                        f"result would be too large (more than {MAX_SIZE:,} items)"
                    )
        elif symbol == "%" and isinstance(left, str | bytes):
            raise ExpressionError("text formatting with '%' is not allowed; use + to join text")

    def eval_Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node)
            if isinstance(right, list | tuple | dict | set | str):
                self.charge(len(right))  # 'in' and '==' walk the container
            if not _guarded(_COMPARE_OPS[type(op)], left, right):
                return False
            left = right
        return True

    def eval_IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    # -- calls

    def eval_Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError("only the allowed functions may be called")
        name = node.func.id
        args = [self.eval(arg) for arg in node.args]
        kwargs = {kw.arg: self.eval(kw.value) for kw in node.keywords if kw.arg is not None}
        self.check_call(name, args)
        return self.checked(_guarded(FUNCTIONS[name], *args, **kwargs))

    def check_call(self, name: str, args: list[Any]) -> None:
        for arg in args:
            if isinstance(arg, list | tuple | dict | set | frozenset):
                self.charge(len(arg))
        if name in ("int", "round") and args and isinstance(args[0], Decimal):
            # int(Decimal("1e999999999")) would build a billion-digit integer
            if args[0].is_finite() and args[0].adjusted() > 100:
                raise ExpressionError("integer result is too large")
        if name == "str" and args and self.weight(args[0]) > MAX_SIZE:
            raise ExpressionError("value is too large to convert to text")
        if name == "round" and len(args) > 1:
            digits = args[1]
            if digits is not None and (
                not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS
            ):
                raise ExpressionError(f"round() digits must be an integer up to {MAX_ROUND_DIGITS}")
        if name == "sum":
            items = list(args[0]) if args and isinstance(args[0], Iterable) else []
            if any(not isinstance(item, _NUMBER) for item in [*items, *args[1:]]):
                raise ExpressionError("sum() only adds numbers")

    # -- size accounting

    def weight(self, value: Any) -> int:
        """Characters plus items of ``value``, counted through nesting, up to MAX_SIZE+1.

        Shared references count every time: str([[x] * 1000] * 1000) expands them all.
        """
        total, stack = 0, [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str | bytes):
                total += len(item)
            elif isinstance(item, list | tuple | set | frozenset):
                total += len(item)
                if total <= MAX_SIZE:
                    stack.extend(item)
            elif isinstance(item, Mapping):
                total += len(item)
                if total <= MAX_SIZE:
                    stack.extend(item.keys())
                    stack.extend(item.values())
            else:
                total += 1
            self.charge(1)
            if total > MAX_SIZE:
                return total
        return total

    def sized(self, value: Any) -> Any:
        if self.weight(value) > MAX_SIZE:
            raise ExpressionError(f"value is too large (more than {MAX_SIZE:,} items)")
        return value

    def checked(self, value: Any) -> Any:
        """Apply the limits every intermediate result must respect."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise ExpressionError("integer result is too large")
        if isinstance(value, complex):
            raise ExpressionError("complex numbers are not supported")
        return value


def _missing(record: ast.expr, fact: Any) -> MissingFact:
    name = record.id if isinstance(record, ast.Name) else None
    fact_name = fact if isinstance(fact, str) else None
    what = f"'{fact_name}' of " if fact_name else "a field of "
    whose = f"the record '{name}'" if name else "a record"
    return MissingFact(name, fact_name, f"{what}{whose} is needed, but there is no such record")


def _kind(value: Any) -> str:
    return "nothing (null)" if value is None else f"a value of type {type(value).__name__}"


def _check_power(base: Any, exponent: Any) -> None:
    if not isinstance(exponent, _NUMBER) or isinstance(exponent, bool):
        return  # the operator raises the TypeError itself
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"exponent is too large (at most {MAX_EXPONENT})")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if abs(base).bit_length() * exponent > MAX_POWER_BITS:
            raise ExpressionError("integer result is too large")


def _guarded(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run an operator or function, turning Python's errors into ExpressionError."""
    try:
        return function(*args, **kwargs)
    except ExpressionError:
        raise
    except ZeroDivisionError:
        raise ExpressionError("division by zero") from None
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
        raise ExpressionError(str(exc)[:300] or type(exc).__name__) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression needs too many resources to evaluate") from None


def evaluate(expr: str, context: Mapping[str, Any]) -> Any:
    """Evaluate ``expr`` against ``context`` (the case data) with the hardened evaluator.

    An unquoted ISO 8601 timer value evaluates to itself.  Any refusal or failure raises
    :class:`ExpressionError`, never another exception type.
    """
    compiled = _compile(expr)
    if isinstance(compiled, str):
        return compiled
    result = _run(compiled.body, context)
    check_timer_value(result)
    return result


def _run(node: ast.AST, context: Mapping[str, Any]) -> Any:
    try:
        return _Evaluator(context).eval(node)
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    except Exception as exc:  # a refusal must never surface as an arbitrary exception
        raise ExpressionError(
            f"cannot evaluate expression: {type(exc).__name__}: {exc}"[:300]
        ) from None
