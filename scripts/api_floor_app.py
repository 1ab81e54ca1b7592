"""Draws a recorded page again through Streamlit's own API, with no app code (bench_floor.py).

``scripts/bench_floor.py`` runs this file as a Streamlit app to measure a second floor, the
**API floor**: what the same page costs when each of its elements is made by the ``st.*``
call that makes it (``st.markdown``, ``st.button``, ``st.radio``, ``st.columns``,
``st.expander``, a fragment around each check, …), with the recorded text and options, but
none of the app's own work (no lessons to read, no store, no grading, no layout decisions).
The replay floor hands Streamlit finished messages; this one pays for building them, as any
Streamlit app must.

The recording (``WORKSHOP_REPLAY_FILE``: length-prefixed ``ForwardMsg`` bytes, as
``bench_floor.write_recording`` writes them) is read once per process. Elements with no
cheap equivalent call here (tables, charts, page links, downloads, uploads) are handed over
as recorded (``DeltaGenerator._enqueue``), at replay cost, so the API floor errs low. Like
the app, it takes what is alive after its first run out of the garbage collector's walks.
"""

from __future__ import annotations

import gc
import os
import struct
import sys

import streamlit as st
from streamlit.delta_generator_singletons import context_dg_stack
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

RECORDING_ENV = "WORKSHOP_REPLAY_FILE"
MAIN, SIDEBAR = 0, 1


class Node:
    """One recorded element or block, with its children by position (blocks only)."""

    def __init__(self, delta=None) -> None:
        self.delta = delta
        self.children: dict[int, Node] = {}

    @property
    def fragment_id(self) -> str:
        return self.delta.fragment_id if self.delta is not None else ""


def _read_recording(path: str) -> tuple[Node, list[bytes]]:
    """The recorded elements as a tree, and the other messages (page config, logo)."""
    data, at, root, others = open(path, "rb").read(), 0, Node(), []
    while at < len(data):
        (size,) = struct.unpack_from(">I", data, at)
        frame = data[at + 4:at + 4 + size]
        at += 4 + size
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        if msg.WhichOneof("type") != "delta":
            others.append(frame)
            continue
        node = root
        for index in msg.metadata.delta_path[:-1]:
            node = node.children.setdefault(index, Node())
        node.children.setdefault(msg.metadata.delta_path[-1], Node()).delta = msg.delta
    return root, others


def _slider(dg, proto, key: str) -> None:
    if proto.options:
        dg.select_slider(proto.label, list(proto.options), key=key)
    else:
        dg.slider(proto.label, min_value=int(proto.min), max_value=int(proto.max),
                  step=int(proto.step) or 1, key=key)


def _button(dg, proto, key: str) -> None:
    if proto.is_form_submitter:
        dg.form_submit_button(proto.label, disabled=proto.disabled)
    else:
        dg.button(proto.label, key=key, disabled=proto.disabled,
                  type=proto.type or "secondary")


# Each recorded element kind, made again by the st.* call that makes it.
BUILDERS = {
    "markdown": lambda dg, proto, key: dg.markdown(proto.body,
                                                   unsafe_allow_html=proto.allow_html),
    "heading": lambda dg, proto, key: {"h1": dg.title, "h2": dg.header}.get(
        proto.tag, dg.subheader)(proto.body),
    "code": lambda dg, proto, key: dg.code(proto.code_text, language=proto.language or None),
    "button": _button,
    "radio": lambda dg, proto, key: dg.radio(proto.label, list(proto.options), index=None,
                                             key=key, horizontal=proto.horizontal),
    "selectbox": lambda dg, proto, key: dg.selectbox(proto.label, list(proto.options),
                                                     index=None, key=key),
    "multiselect": lambda dg, proto, key: dg.multiselect(proto.label, list(proto.options),
                                                         key=key),
    "text_input": lambda dg, proto, key: dg.text_input(proto.label, key=key),
    "text_area": lambda dg, proto, key: dg.text_area(proto.label, key=key),
    "number_input": lambda dg, proto, key: dg.number_input(proto.label, key=key),
    "checkbox": lambda dg, proto, key: dg.checkbox(proto.label, key=key),
    "slider": _slider,
    "metric": lambda dg, proto, key: dg.metric(proto.label, proto.body),
    "alert": lambda dg, proto, key: dg.info(proto.body),
}


def _element(dg, element, key: str) -> None:
    kind = element.WhichOneof("type")
    proto = getattr(element, kind)
    build = BUILDERS.get(kind)
    if build is None:  # no cheap st.* equivalent: handed over as recorded, at replay cost
        dg._enqueue(kind, proto)
    else:
        build(dg, proto, key)


def _block(dg, node: Node, key: str):
    """The container a recorded block is drawn into, and the nodes to draw in it."""
    block = node.delta.add_block
    kind = block.WhichOneof("type")
    children = [node.children[index] for index in sorted(node.children)]
    if kind == "expandable":
        return [(dg.expander(block.expandable.label), children)]
    if kind == "form":
        return [(dg.form(key=f"form{key}", border=block.form.border), children)]
    if kind == "tab_container":
        labels = [child.delta.add_block.tab.label for child in children]
        tabs = dg.tabs(labels)
        return [(tab, [child.children[i] for i in sorted(child.children)])
                for tab, child in zip(tabs, children, strict=True)]
    column_children = [child for child in children
                       if child.delta.WhichOneof("type") == "add_block"
                       and child.delta.add_block.WhichOneof("type") == "column"]
    if children and len(column_children) == len(children):
        columns = dg.columns([child.delta.add_block.column.weight or 1 for child in children])
        return [(column, [child.children[i] for i in sorted(child.children)])
                for column, child in zip(columns, children, strict=True)]
    horizontal = kind == "flex_container" and block.flex_container.direction == 2
    border = kind == "flex_container" and block.flex_container.border
    return [(dg.container(horizontal=horizontal, border=border), children)]


def _draw_fragment(children: list[Node], key: str) -> None:
    # The fragment's own container, which st.fragment made: the top of the context stack.
    _draw(context_dg_stack.get()[-1], children, key, True)


def _draw(dg, nodes: list[Node], key: str, in_fragment: bool) -> None:
    for position, node in enumerate(nodes):
        if node.delta is None:
            continue
        node_key = f"{key}-{position}"
        if node.fragment_id and not in_fragment:
            # A fragment's own container (a check, the sidebar's page links): st.fragment
            # makes it, and the recorded children are drawn inside, as the app draws them.
            children = [node.children[index] for index in sorted(node.children)]
            with dg:
                st.fragment(_draw_fragment, key=f"fragment{node_key}")(children, node_key)
            continue
        if node.delta.WhichOneof("type") == "new_element":
            _element(dg, node.delta.new_element, node_key)
            continue
        for part, (container, children) in enumerate(_block(dg, node, node_key)):
            _draw(container, children, f"{node_key}.{part}", in_fragment)


_module = sys.modules.setdefault("_api_floor_recording", type(sys)("_api_floor_recording"))
if not hasattr(_module, "tree"):
    _module.tree, _module.others = _read_recording(os.environ[RECORDING_ENV])
for frame in _module.others:  # page config and logo: as the replay floor sends them
    msg = ForwardMsg()
    msg.ParseFromString(frame)
    get_script_run_ctx().enqueue(msg)
for root, dg in ((SIDEBAR, st.sidebar), (MAIN, st._main)):
    top = _module.tree.children.get(root)
    if top is not None:
        _draw(dg, [top.children[i] for i in sorted(top.children)], f"r{root}", False)
if not hasattr(_module, "frozen"):  # as the app does after its first run (warmup.py)
    _module.frozen = True
    gc.collect()
    gc.freeze()
