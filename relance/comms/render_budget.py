"""What rendering one message in an organisation's own wording may cost: at most
RELANCE_WORDING_SECONDS of time, MAX_LOOPS turns of its loops and
RELANCE_WORDING_MAX_OUTPUT characters written, so that one organisation's
template can never stop the messages of the others.

Django's templates cannot be interrupted, and a child process per message would
cost more than the rendering itself (a run renders a hundred thousand), so the
sandbox counts as it goes: each turn of an edited template's `{% for %}` and
each piece of text its nodes write spends from the message's budget, which
raises TooCostly once spent or past its deadline. Filters that make a long text
from a short argument (ljust, rjust, center, stringformat, floatformat) are
refused a width past MAX_WIDTH, join a result past the output limit, and every
filter's result is held to that limit, so no single step outgrows the budget
before it is counted. Rendering outside spending() (relance's own partials,
compiled by Django) is not counted."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.template import Node
from django.template.defaulttags import (
    AutoEscapeControlNode,
    ForNode,
    IfChangedNode,
    IfNode,
    SpacelessNode,
    WithNode,
)
from django.template.loader_tags import BlockNode
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

MAX_LOOPS = 100_000  # a message lists invoices: a few thousand at most
MAX_WIDTH = 1_000  # ljust:"1000", floatformat:"20": more is no message
WIDTH_FILTERS = {"ljust", "rjust", "center", "stringformat", "floatformat"}
DIGITS = re.compile(r"\d+")
# Nodes whose text is their children's (counted there) and nothing of their own.
CONTAINERS = (
    AutoEscapeControlNode,
    BlockNode,
    ForNode,
    IfChangedNode,
    IfNode,
    SpacelessNode,
    WithNode,
)
LIMITS = {
    "time": _("takes more than %(limit)s s to render"),
    "loops": _("repeats its loops more than %(limit)s times"),
    "output": _("writes more than %(limit)s characters"),
    "width": _("asks for a width of more than %(limit)s characters"),
    "depth": _("nests its tags too deep"),
}


class TooCostly(Exception):
    """An edited template asked for more than one message may cost; said in the
    language active when it is read (the person's, not the customer's)."""

    def __init__(self, limit: str, value: int):
        super().__init__(limit, value)
        self.limit, self.value = limit, value

    def __str__(self) -> str:
        limit = number_format(self.value, force_grouping=True)
        return str(LIMITS[self.limit] % {"limit": limit})


class Budget:
    def __init__(self, seconds: float, output: int):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.output = output
        self.loops = MAX_LOOPS

    def spend(self, written: int = 0, loops: int = 0) -> None:
        self.output -= written
        self.loops -= loops
        if self.output < 0:
            raise TooCostly("output", max_output())
        if self.loops < 0:
            raise TooCostly("loops", MAX_LOOPS)
        if time.monotonic() > self.deadline:
            raise TooCostly("time", self.seconds)


CURRENT: ContextVar[Budget | None] = ContextVar("wording_budget", default=None)


def max_output() -> int:
    return settings.RELANCE_WORDING_MAX_OUTPUT


@contextmanager
def spending():
    """One message's budget for what is rendered inside."""
    token = CURRENT.set(Budget(settings.RELANCE_WORDING_SECONDS, max_output()))
    try:
        yield
    finally:
        CURRENT.reset(token)


def guard(template) -> None:
    """Make a compiled edited template count what it renders: each node that
    writes text of its own spends it, each loop's turns are counted."""
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, ForNode):
            node.sequence = _CountedSequence(node.sequence)
        if not isinstance(node, CONTAINERS):
            node.render_annotated = _counted(node.render_annotated)


def _counted(render: Callable) -> Callable:
    def counted(context):
        text = render(context)
        if budget := CURRENT.get():
            budget.spend(written=len(text))
        return text

    return counted


class _CountedSequence:
    """A `{% for %}`'s sequence whose values are counted as the loop takes
    them (ForNode takes len(), reversed() and iteration)."""

    def __init__(self, expression):
        self.expression = expression

    def __str__(self) -> str:
        return str(self.expression)

    def resolve(self, context, ignore_failures=False):
        values = self.expression.resolve(context, ignore_failures=ignore_failures)
        if values is None or CURRENT.get() is None:
            return values
        return _Turns(values if hasattr(values, "__len__") else list(values))


class _Turns:
    def __init__(self, values):
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator:
        return self._counting(iter(self.values))

    def __reversed__(self) -> Iterator:
        return self._counting(reversed(self.values))

    @staticmethod
    def _counting(values: Iterator) -> Iterator:
        budget = CURRENT.get()
        for value in values:
            if budget:
                budget.spend(loops=1)
            yield value


def bounded_filters(filters: dict[str, Callable]) -> dict[str, Callable]:
    """The filters of the sandbox, each held to the output limit, the widening
    ones to MAX_WIDTH."""
    return {name: _bounded(name, func) for name, func in filters.items()}


def _bounded(name: str, func: Callable) -> Callable:
    @wraps(func)  # keeps is_safe, needs_autoescape and the signature Django checks
    def bounded(value, *args, **kwargs):
        if args and name in WIDTH_FILTERS:
            widest = max((int(n) for n in DIGITS.findall(str(args[0]))), default=0)
            if widest > MAX_WIDTH:
                raise TooCostly("width", MAX_WIDTH)
        if args and name == "join" and _joined_length(value, args[0]) > max_output():
            raise TooCostly("output", max_output())
        result = func(value, *args, **kwargs)
        if isinstance(result, str | list) and len(result) > max_output():
            raise TooCostly("output", max_output())
        return result

    return bounded


def _joined_length(values, separator) -> int:
    if not hasattr(values, "__len__"):
        return 0  # join returns such a value as it is
    items = sum(len(str(v)) for v in values)
    return items + len(str(separator)) * max(len(values) - 1, 0)
