"""Link events: an off-page connector, run as the sequence flow it stands for.

BPMN 2.0 (10.5.6) defines a pair of link events as a "go to": a token reaching a link
throw event continues at the link catch event of the same name in the same process level,
as if a sequence flow joined them.  SpiffWorkflow 3 does not know link events: it reads
both as "none" events, so the throw ends its branch (no outgoing flow) and the catch is
never reached — the steps after it are skipped without a word.

Before SpiffWorkflow sees a document, ``join_links`` rewrites a copy of it to exactly that
meaning: each link throw gets a sequence flow to its catch, and each link catch becomes a
none throw event (which passes the token straight on; a none *catch* event would wait
forever).  Both keep their ids, so the case's trail and diagram name the drawn events.
``link_problems`` names what cannot be joined; deploy refuses it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .metadata import NS
from .xml_safety import BPMN_NS

Problem = tuple[str, str]

#: Where a link name is looked up: a link only joins events of one process level.
_SCOPES = ("process", "subProcess", "transaction", "adHocSubProcess")


@dataclass
class _Scope:
    element: etree._Element
    throws: list[tuple[etree._Element, str | None]]
    catches: list[tuple[etree._Element, str | None]]


def _link_name(event: etree._Element) -> str | None:
    """The link's name: the ``linkEventDefinition``'s (as BPMN puts it), else the event's
    (some modelling tools only label the event)."""
    definition = event.find(f"{{{BPMN_NS}}}linkEventDefinition")
    name = (definition.get("name") or "").strip() or (event.get("name") or "").strip()
    return name or None


def _scopes(root: etree._Element) -> Iterator[_Scope]:
    for local in _SCOPES:
        for element in root.iter(f"{{{BPMN_NS}}}{local}"):
            throws, catches = [], []
            for tag, found in (
                ("intermediateThrowEvent", throws),
                ("intermediateCatchEvent", catches),
            ):
                for event in element.xpath(
                    f"./bpmn:{tag}[bpmn:linkEventDefinition]", namespaces=NS
                ):
                    found.append((event, _link_name(event)))
            if throws or catches:
                yield _Scope(element, throws, catches)


def _flows(scope: etree._Element, end: str, node_id: str | None) -> list[etree._Element]:
    return [
        flow
        for flow in scope.iterchildren(f"{{{BPMN_NS}}}sequenceFlow")
        if node_id and flow.get(end) == node_id
    ]


def link_problems(root: etree._Element) -> list[Problem]:
    """Link events that do not form a connector; empty when every link can be joined."""
    problems: list[Problem] = []
    for scope in _scopes(root):
        catches_by_name: dict[str, list[str]] = {}
        for event, name in scope.catches:
            eid = event.get("id") or "definitions"
            if name is None:
                problems.append((eid, "a link catch event needs a name (the link it continues)"))
            else:
                catches_by_name.setdefault(name, []).append(eid)
            if _flows(scope.element, "targetRef", event.get("id")):
                problems.append(
                    (
                        eid,
                        "a link catch event has no incoming sequence flow: the token arrives "
                        "from the link throw event of the same name",
                    )
                )
        for name, ids in catches_by_name.items():
            if len(ids) > 1:
                for eid in ids:
                    problems.append(
                        (
                            eid,
                            f"two link catch events are named '{name}' at one process level: "
                            "a link throw must lead to exactly one",
                        )
                    )
        for event, name in scope.throws:
            eid = event.get("id") or "definitions"
            if name is None:
                problems.append((eid, "a link throw event needs a name (the link it leads to)"))
            elif name not in catches_by_name:
                problems.append(
                    (
                        eid,
                        f"no link catch event named '{name}' at this process level: the case "
                        "would stop here",
                    )
                )
            if _flows(scope.element, "sourceRef", event.get("id")):
                problems.append(
                    (
                        eid,
                        "a link throw event has no outgoing sequence flow: the token continues "
                        "at the link catch event of the same name",
                    )
                )
    return problems


def join_links(root: etree._Element) -> etree._Element:
    """A copy of the document with every link pair replaced by a sequence flow.

    Expects a document ``link_problems`` found nothing wrong with; links it cannot join
    are left as they are (SpiffWorkflow then refuses or ignores them as before).
    """
    if not root.xpath(".//bpmn:linkEventDefinition", namespaces=NS):
        return root
    joined = copy.deepcopy(root)
    taken = {element.get("id") for element in joined.iter() if element.get("id")}
    for scope in list(_scopes(joined)):
        catches = {name: event for event, name in scope.catches if name}
        for event, _name in scope.catches:
            _as_none_throw(event)
        for event, name in scope.throws:
            catch = catches.get(name or "")
            _as_none_throw(event)
            if catch is None or not event.get("id") or not catch.get("id"):
                continue
            flow_id = _fresh_id(f"{event.get('id')}_link", taken)
            # Right after the throw event: a flow element among flow elements, as the
            # schema's element order wants (artifacts may follow them).
            flow = etree.Element(
                f"{{{BPMN_NS}}}sequenceFlow",
                id=flow_id,
                sourceRef=event.get("id"),
                targetRef=catch.get("id"),
            )
            event.addnext(flow)
    return joined


def _as_none_throw(event: etree._Element) -> None:
    """Make a link event a none intermediate throw event, which passes the token on."""
    event.tag = f"{{{BPMN_NS}}}intermediateThrowEvent"
    event.attrib.pop("parallelMultiple", None)  # a catch event's attribute only
    for definition in event.findall(f"{{{BPMN_NS}}}linkEventDefinition"):
        event.remove(definition)


def _fresh_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate
