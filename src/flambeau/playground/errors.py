"""What the playground's server can refuse, and how it says so: a code and its parameters, never
words for the page.

Every refusal is a :class:`PlaygroundError` whose ``code`` is a key of :data:`ERROR_CODES` and
whose ``params`` are among the names listed there. The page words each code in its own language
(``static/js/messages.js``, in English and French), filling the parameters in; the exception's
text is English for Python users and the server's log, and never reaches the page. Tests check
that every code raised in the package is in this table, with its parameters, and that both
languages have a text for each code and for each kind of :data:`EXPECT_KINDS`.

A code's parameters (a value the user typed is cut short; numbers stay numbers, so the page
writes them in its language and picks the plural forms):

- ``key``: the setting at fault (the page names it with its control's label), ``value`` the
  value refused, ``expect`` what the setting accepts (a key of :data:`EXPECT_KINDS`, with that
  kind's parameters next to it);
- ``name``: a message's field, a control, or a tensor of a weights file;
- ``n``: a count found, ``max`` the most allowed, ``row`` a CSV file's row (from 1);
- ``k``: a number of classes, ``suggest`` the number the file's labels suggest.
"""

from __future__ import annotations

from typing import Any

#: Every error code and the parameters it carries.
ERROR_CODES: dict[str, tuple[str, ...]] = {
    # anything else: a message the page does not know is worded as "invalid"
    "invalid": (),
    "internal": (),                     # a bug: the details are in the server's log
    # settings (config.py)
    "bad_value": ("key", "value", "expect"),
    "unknown_setting": ("key",),
    "not_settings": (),
    "classes_need_cross_entropy": ("key", "n", "loss"),
    "moons_two_classes": ("key",),
    "hash_too_long": ("n", "max"),
    "custom_labels_misfit": ("key", "problem", "k"),
    # the messages of the protocol (server.py, session.py)
    "bad_field": ("name", "expect"),
    "missing_field": ("name",),
    "too_many_changes": ("n", "max"),
    "not_json": (),
    "unknown_message": (),
    "bad_node_id": (),
    "bad_weight": ("max",),
    # own data (data.py)
    "bad_points": (),
    "label_not_number": ("value",),
    "label_too_large": ("value", "max"),
    "label_not_class": ("value", "k"),
    "too_many_points": ("max",),
    "csv_not_number": ("row", "column", "value"),
    "csv_number_too_large": ("row", "column", "value", "max"),
    "csv_too_large": ("n", "max"),
    "csv_unreadable": ("row",),
    "csv_empty": (),
    "csv_too_many_points": ("n", "max"),
    "csv_columns": ("row", "n"),
    "csv_label": ("row", "value", "k"),
    "csv_label_classes": ("row", "value", "k", "suggest"),
    "csv_label_regression": ("row", "value", "k"),
    "csv_split": (),
    # files (export.py, session.py, network.py)
    "custom_export": (),
    "config_file_too_large": ("max",),
    "config_file_not_json": (),
    "weights_not_file": (),
    "weights_too_large": ("max_mb",),
    "weights_other_network": ("layers",),
    "weights_shape": ("name", "shape", "needed"),
    "weights_not_finite": ("name",),
    # a class (classroom.py)
    "session_full": ("max",),
    "locked": ("name",),
    "no_teacher_tab": (),
}

#: What a setting or a field accepts (``expect`` of ``bad_value`` and ``bad_field``) and the
#: parameters each kind carries.
EXPECT_KINDS: dict[str, tuple[str, ...]] = {
    "int_range": ("low", "high"), "number_range": ("low", "high"), "percent_range": ("low", "high"),
    "choice": ("options",), "bool": (), "shape": ("max_layers", "max_neurons"), "positive": (),
    "non_negative": (), "seed": ("max",), "name": (),
    # a message's field of the wrong type (server.py's _field)
    "int": (), "number": (), "str": (), "dict": (), "any": (),
}


class PlaygroundError(ValueError):
    """Bad input from the page. ``field`` names the setting or message field at fault (``None``
    if there is none); ``code`` (a key of :data:`ERROR_CODES`) and ``params`` say what is wrong
    in a form the page words in its own language; the message is the English text, for Python
    users and logs.
    """

    def __init__(self, message: str, field: str | None = None, code: str = "invalid", **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.params = params

    def to_message(self) -> dict[str, Any]:
        """The ``error`` message sent to the page."""
        return {"type": "error", "code": self.code, "params": self.params, "field": self.field,
                "message": str(self)}
