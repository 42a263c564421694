"""Turning stored XML into SpiffWorkflow specs, once per worker.

Deploy and run time both come through here: deploy to find parse errors, run time to get
the spec a case is pinned to.  Parsed specs are cached by the definition's sha256 (a
version's XML never changes), so a worker parses each version once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .call_activities import MappedCallActivity, MappedCallActivityParser
from .event_starts import StartEventParser
from .links import join_links
from .xml_safety import parse_bpmn, parse_dmn

#: Stored definitions were size-checked at deploy; this bound only guards the cache path.
_STORED_LIMIT = 64 * 1024 * 1024


@lru_cache(maxsize=1)
def _validator() -> BpmnValidator:
    # Loading the XSD takes a while; one validator serves every parse in this worker.
    return BpmnValidator()


class SpecError(Exception):
    """SpiffWorkflow refused the document; ``element`` is the offending BPMN id if known."""

    def __init__(self, message: str, element: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.element = element


class GovflowParser(CamundaParser):
    """Camunda's parser, with call activities that honour ``camunda:in``/``camunda:out``
    and start events that keep ``isInterrupting``."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("callActivity"): (MappedCallActivityParser, MappedCallActivity),
        full_tag("startEvent"): (
            StartEventParser,
            CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1],
        ),
    }


@dataclass(frozen=True)
class ParsedProcess:
    spec: Any
    subprocess_specs: dict[str, Any]
    #: Keys of processes its call activities name that are not in the document: other
    #: deployed definitions, joined in at run time (``runtime/called``).
    external_calls: frozenset[str] = frozenset()


def _element_at_line(root: etree._Element, line: int | None) -> str | None:
    """The id of the element (or nearest ancestor with an id) starting at ``line``."""
    if not line:
        return None
    for element in root.iter():
        if getattr(element, "sourceline", None) == line:
            while element is not None and not element.get("id"):
                element = element.getparent()
            return element.get("id") if element is not None else None
    return None


def parse_process(
    bpmn_root: etree._Element, dmn_roots: list[etree._Element], process_key: str
) -> ParsedProcess:
    """Validate against the BPMN XSD and build the specs, or raise ``SpecError``.

    Link events are joined first (``links``): SpiffWorkflow would skip what follows them.
    """
    parser = GovflowParser(validator=_validator())
    bpmn_root = join_links(bpmn_root)
    try:
        for dmn in dmn_roots:
            parser.add_dmn_xml(dmn)
        parser.add_bpmn_xml(bpmn_root)
        spec = parser.get_spec(process_key)
        found = parser.get_subprocess_specs(process_key, require_call_activity_specs=False)
        subprocess_specs = {name: sub for name, sub in found.items() if sub is not None}
        external = frozenset(name for name, sub in found.items() if sub is None)
    except ValidationException as exc:
        element = exc.id or _element_at_line(bpmn_root, _as_int(exc.line_number))
        raise SpecError(_first_line(exc), element) from None
    except SpiffWorkflowException as exc:
        raise SpecError(_first_line(exc), getattr(exc, "id", None) or None) from None
    except (
        etree.LxmlError,
        KeyError,
        AttributeError,
        TypeError,
        ValueError,
        IndexError,
        RecursionError,
    ) as exc:
        # SpiffWorkflow's parsers assume well-formed models; anything odd they trip on is
        # still the file's fault, reported as such rather than as a server error.
        raise SpecError(
            f"the model cannot be parsed: {type(exc).__name__}: {_first_line(exc)}"
        ) from None
    return ParsedProcess(spec, subprocess_specs, external)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _first_line(exc: Exception) -> str:
    if isinstance(exc, SpiffWorkflowException) and exc.args:
        # str() of SpiffWorkflow's exceptions appends ". " + notes even when there are
        # none ("Time Specification Error. Unknown Time Specification. ."); rebuild it.
        text = "; ".join(str(part).strip() for part in (exc.args[0], *exc.notes) if part)
        tag = getattr(exc, "tag", "")
        if text.endswith("of type") and tag:
            text += f" {tag}: split after it with a gateway"  # SpiffWorkflow omits the type
    else:
        text = str(exc)
    if "RecursionError" in text or isinstance(exc, RecursionError):
        # SpiffWorkflow's parser follows each sequence flow recursively
        text = "the process has too many steps in a row to be parsed (several hundred)"
    text = text.strip() or type(exc).__name__
    return text.splitlines()[0][:500]


_PROCESS_CACHE: dict[tuple[str, str], ParsedProcess] = {}


def cached_process(sha256: str, key: str, bpmn_xml: str, dmn_xmls: list[str]) -> ParsedProcess:
    """The parsed specs of a stored definition; a version's XML never changes, so its
    sha256 (with the process key) identifies the parse."""
    cache_key = (sha256, key)
    parsed = _PROCESS_CACHE.get(cache_key)
    if parsed is None:
        bpmn_root = parse_bpmn(bpmn_xml.encode("utf-8"), max_bytes=_STORED_LIMIT)
        dmn_roots = [parse_dmn(x.encode("utf-8"), max_bytes=_STORED_LIMIT) for x in dmn_xmls]
        parsed = _PROCESS_CACHE[cache_key] = parse_process(bpmn_root, dmn_roots, key)
    return parsed
