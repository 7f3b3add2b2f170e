"""Which context variables a template can read, found from its source.

A template reads the variables Jinja's ``meta`` finds undeclared in it, plus
those of the templates it extends or includes. From a template it imports
macros from, only the macros actually imported count (and the macros those
call), so a page that imports ``contact_block`` does not depend on what
``ask_form`` reads.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, meta, nodes


def _loaded_names(node: nodes.Node) -> set[str]:
    return {n.name for n in node.find_all(nodes.Name) if n.ctx == "load"}


def _stored_names(node: nodes.Node) -> set[str]:
    return {n.name for n in node.find_all(nodes.Name) if n.ctx in ("store", "param")}


class TemplateReads:
    """Caches, per template name, the set of context variables it may read."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self._reads: dict[str, frozenset[str]] = {}
        self._asts: dict[str, nodes.Template] = {}

    def _ast(self, name: str) -> nodes.Template:
        if name not in self._asts:
            loader = self.environment.loader
            assert loader is not None
            source, _, _ = loader.get_source(self.environment, name)
            self._asts[name] = self.environment.parse(source)
        return self._asts[name]

    def reads(self, name: str) -> frozenset[str]:
        if name not in self._reads:
            self._reads[name] = frozenset()  # guards against recursive includes
            self._reads[name] = frozenset(self._compute(name))
        return self._reads[name]

    def _compute(self, name: str) -> set[str]:
        ast = self._ast(name)
        found = set(meta.find_undeclared_variables(ast))
        for node in ast.find_all((nodes.Extends, nodes.Include)):
            target = node.template  # type: ignore[attr-defined]
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                found |= self.reads(target.value)
            else:
                found |= {"*"}  # a computed template name: depend on everything
        for node in ast.find_all(nodes.FromImport):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                wanted = [n if isinstance(n, str) else n[0] for n in node.names]
                found |= self.macro_reads(node.template.value, wanted)
        for node in ast.find_all(nodes.Import):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                found |= self.reads(node.template.value)
        return found

    def macro_reads(self, name: str, wanted: list[str]) -> set[str]:
        """Variables the named macros of template ``name`` read, following calls between them."""
        ast = self._ast(name)
        macros: dict[str, Any] = {m.name: m for m in ast.find_all(nodes.Macro)}
        seen: set[str] = set()
        found: set[str] = set()
        queue = [m for m in wanted if m in macros]
        while queue:
            macro_name = queue.pop()
            if macro_name in seen:
                continue
            seen.add(macro_name)
            macro = macros[macro_name]
            names = _loaded_names(macro) - _stored_names(macro)
            for other in names & macros.keys():
                queue.append(other)
            found |= names - macros.keys()
        # Top-level statements of the imported template also run with the context.
        top = [n for n in ast.body if not isinstance(n, nodes.Macro)]
        for node in top:
            found |= _loaded_names(node)
        return found
