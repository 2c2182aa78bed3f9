"""The product's fixed vocabularies, as data: tabs, cancel reasons, flags, actions per status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .model import Flag, OrderStatus, OrderType, ShippingType

S = OrderStatus


# The sorts every tab offers ('s' cycles them, the first is the tab's default): domain.query.Sort values.
SORTS: tuple[str, ...] = ("ship-by", "created", "total")


# The list's first columns (ui.widgets.order_list keys); wider terminals add more after them.
COLUMNS: tuple[str, ...] = ("order", "ship_by", "items", "total", "creator", "flag")
MIXED_COLUMNS: tuple[str, ...] = ("order", "status", "ship_by", "items", "total", "flag")


class TabKind(StrEnum):
    """Which orders a tab holds: the store turns each kind into its SQL."""

    STATUSES = "statuses"  # the orders in the tab's statuses
    ACTION = "action"  # the orders the Action needed rules pick (domain.rules, and the store's SQL)
    RETURNS = "returns"  # orders with a return/refund request
    EVERY = "every"  # every order


@dataclass(frozen=True)
class Tab:
    """A tab of the command centre: which orders it holds (its kind, and for a status tab its
    statuses), the key that shows it, its sorts, its list columns and whether its count is urgent."""

    id: str
    label: str
    short: str  # in the tab strip
    statuses: tuple[OrderStatus, ...] = ()
    description: str = ""
    key: str | None = None  # the key that shows it; without one: ] [ and the command palette
    sorts: tuple[str, ...] = SORTS  # domain.query.Sort values, the default first
    urgent: bool = False  # a count above zero is a badge: these orders need the seller now
    kind: TabKind = TabKind.STATUSES
    columns: tuple[str, ...] = COLUMNS


TABS: tuple[Tab, ...] = (
    Tab("action-needed", "Action needed", "Action needed", description="Orders that need the seller now",
        key="1", sorts=("deadline", *SORTS), urgent=True, kind=TabKind.ACTION,
        columns=("order", "reason", "deadline", "items", "total", "flag")),
    Tab("to-ship", "To ship", "To ship", (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING), key="2"),
    Tab("unpaid", "Unpaid", "Unpaid", (S.UNPAID,), key="3"),
    Tab("on-hold", "On hold", "On hold", (S.ON_HOLD,), key="4"),
    Tab("awaiting-collection", "Awaiting collection", "Collection", (S.AWAITING_COLLECTION,), key="5"),
    Tab("in-transit", "In transit", "Transit", (S.IN_TRANSIT,), key="6"),
    Tab("delivered", "Delivered", "Delivered", (S.DELIVERED,), key="7"),
    Tab("completed", "Completed", "Completed", (S.COMPLETED,), key="8"),
    Tab("cancelled", "Cancelled", "Cancelled", (S.CANCELLED,), key="9"),
    Tab("returns", "Returns", "Returns", description="Orders with a return/refund request", key="0",
        kind=TabKind.RETURNS, columns=MIXED_COLUMNS),
    Tab("all", "All", "All", description="Every order", kind=TabKind.EVERY, columns=MIXED_COLUMNS),
)
TAB_IDS: tuple[str, ...] = tuple(tab.id for tab in TABS)
TABS_BY_ID: dict[str, Tab] = {tab.id: tab for tab in TABS}
DEFAULT_TAB = "action-needed"
STATUS_TABS: tuple[Tab, ...] = tuple(tab for tab in TABS if tab.statuses)

TO_SHIP = (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING)
SHIPPED = (S.AWAITING_COLLECTION, S.IN_TRANSIT, S.DELIVERED, S.COMPLETED)
# Shipped but not yet delivered: the statuses whose tracking number can still be corrected.
ON_THE_WAY = (S.AWAITING_COLLECTION, S.IN_TRANSIT)

# The screen's words for a status, used in messages instead of the raw codes.
STATUS_WORDS: dict[OrderStatus, str] = {
    S.UNPAID: "Unpaid",
    S.ON_HOLD: "On hold",
    S.AWAITING_SHIPMENT: "Awaiting shipment",
    S.PARTIALLY_SHIPPING: "Partially shipped",
    S.AWAITING_COLLECTION: "Awaiting collection",
    S.IN_TRANSIT: "In transit",
    S.DELIVERED: "Delivered",
    S.COMPLETED: "Completed",
    S.CANCELLED: "Cancelled",
}
SHIPPING_TYPE_WORDS: dict[ShippingType, str] = {ShippingType.SELLER: "the seller", ShippingType.TIKTOK: "TikTok"}


@dataclass(frozen=True)
class CancelReason:
    code: str
    label: str
    seller_fault: bool
    for_unpaid: bool = False


CANCEL_REASONS: tuple[CancelReason, ...] = (
    CancelReason("seller_cancel_reason_out_of_stock", "Out of stock", True),
    CancelReason("seller_cancel_reason_wrong_price", "Wrong price", True),
    CancelReason("seller_cancel_paid_reason_address_not_deliver", "Address not deliverable", False),
    CancelReason(
        "seller_cancel_paid_reason_buyer_requested_cancellation", "Buyer requested cancellation", False
    ),
    CancelReason("seller_cancel_unpaid_reason_out_of_stock", "Out of stock (unpaid)", True, True),
    CancelReason("seller_cancel_unpaid_reason_wrong_price", "Wrong price (unpaid)", True, True),
    CancelReason(
        "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
        "Buyer has not paid in time (unpaid)",
        False,
        True,
    ),
    CancelReason(
        "seller_cancel_unpaid_reason_buyer_requested_cancellation",
        "Buyer requested cancellation (unpaid)",
        False,
        True,
    ),
)
CANCEL_REASONS_BY_CODE: dict[str, CancelReason] = {r.code: r for r in CANCEL_REASONS}
SELLER_FAULT_REASONS: tuple[str, ...] = tuple(r.code for r in CANCEL_REASONS if r.seller_fault)
BUYER_CANCEL_REASON = "buyer_cancel_request_approved"

FLAGS: tuple[Flag, ...] = tuple(Flag)


class Action(StrEnum):
    NOTE = "note"
    CANCEL = "cancel"
    SHIP = "ship"
    ANSWER_CANCELLATION = "answer-cancellation"
    ANSWER_RETURN = "answer-return"
    CORRECT_TRACKING = "correct-tracking"
    PRINT = "print"
    EXPORT = "export"


@dataclass(frozen=True)
class NoteStart:
    """What the note of a note-like action starts as: its flag (None keeps the order's) and text (None
    keeps the comment). The operator may change both in the dialog, or on the command line."""

    flag: Flag | None = None
    text: str | None = None


class Role(StrEnum):
    """Who may do an action (DESIGN.md, "Shops, operators, roles"); each role may do what the one
    before it may."""

    VIEWER = "viewer"  # reads
    PACKER = "packer"  # notes, pack, ship, print
    LEAD = "lead"  # also cancel, answer buyer requests, refunds, personal-data exports


@dataclass(frozen=True)
class OrderAction:
    """What the operator can do to orders, declared once: the screens' keys and bindings, the command
    palette, the help, the read-only set, the dialog flow and the command line are made from these
    (ui.actions adds the screens' side).

    A changing action runs the same way everywhere: its *dialog* asks for the input (checking the
    rules' *action* first), confirms what moves money, then its *bulk* Store method applies it to
    the orders, each in its own transaction, and the result is shown with retry and edit."""

    id: str  # the binding ids ('main.note', 'detail.note') end with it
    key: str
    label: str  # the main screen's footer and help; the title of its result
    tooltip: str
    action: Action | None  # the rules' action (which statuses it applies to, why it is refused); None: per request
    palette: str  # the command palette's title; its help is the key and *about*
    about: str
    role: Role  # who may do it (declared here; not yet enforced)
    dialog: str  # the dialog that asks for its input: the module of ui/modals whose DIALOG it is
    bulk: str | None = None  # the Store method that applies it to many orders; None: it changes no order
    shown: bool = False  # in the main screen's footer
    detail: str | None = None  # the order detail screen's label (None: not offered there)
    command: str | None = None  # the command-line subcommand
    command_help: str = ""
    note: NoteStart | None = None  # a note-like action: it adds a note starting as this (the note dialog,
    # the subcommand's --flag and --text)
    command_about: str = ""  # the subcommand's description

    @property
    def writes(self) -> bool:
        """Whether it changes orders (refused on a read-only terminal)."""
        return self.bulk is not None


ORDER_ACTIONS: tuple[OrderAction, ...] = (
    OrderAction("note", "n", "Note", "Add a note and flag colour to the tagged orders or the one under the cursor",
                Action.NOTE, "Add note / flag", "the tagged orders or the one under the cursor", Role.PACKER,
                "note", "add_note_many", shown=True, detail="Note", command="note",
                command_help="add a note and/or flag to orders", note=NoteStart(),
                command_about="Append a note to each order; its newest note is its current note and flag. A note "
                "changes what it is given: without --flag the flag is kept, without --text the comment is kept."),
    OrderAction("cancel", "x", "Cancel",
                "Cancel before shipping, with a TikTok reason (seller-fault reasons raise SFCR)",
                Action.CANCEL, "Cancel orders", "before shipping only, with a reason", Role.LEAD,
                "cancel", "cancel_many", shown=True, detail="Cancel", command="cancel",
                command_help="cancel orders before shipping"),
    OrderAction("ship", "m", "Mark shipped", "Mark shipped with tracking number and carrier",
                Action.SHIP, "Mark shipped", "tracking number and carrier", Role.PACKER,
                "ship", "ship_many", detail="Ship", command="ship",
                command_help="mark orders shipped with tracking and carrier"),
    OrderAction("answer", "a", "Answer request", "Approve or reject a buyer cancellation or return/refund request",
                None, "Answer buyer request", "approve or reject", Role.LEAD,
                "answer", "answer_request_many", detail="Answer", command="request",
                command_help="approve or reject buyer cancellation and return requests"),
    OrderAction("export", "e", "Export",
                "Export the tagged orders, this tab with its filters, or all orders (CSV, XLSX, JSON)",
                Action.EXPORT, "Export orders", "tagged, this tab with its filters, or all: CSV, XLSX, JSON",
                Role.LEAD,  # its files carry the buyers' names, phones and addresses
                "export", command="export", command_help="export orders to CSV (Seller Center layout), XLSX or JSON",
                command_about="Export all orders, a tab, or given IDs, narrowed by filters. CSV is the Seller Center "
                "layout (one row per SKU line) and imports back with 'tsshop import'; XLSX has typed cells; JSON "
                "holds each order whole. The file appears only when complete."),
    OrderAction("print", "P", "Print",
                "Print a picking list or 4x6 shipping labels (PDF; sent to the printer when one is set)",
                Action.PRINT, "Print picking list / labels", "PDF, to the printer when one is set", Role.PACKER,
                "print", command="print", command_help="picking lists and 4x6 shipping labels as PDF",
                command_about="picking-list: what to pick per SKU, then each order with its lines, flag and note "
                "(default tab to-ship). labels: one 4x6 inch label per order with a tracking number (default tab "
                "awaiting-collection); orders without one are listed and skipped. Each printed order gets a "
                "history event."),
)
ORDER_ACTIONS_BY_ID: dict[str, OrderAction] = {action.id: action for action in ORDER_ACTIONS}

_ALWAYS = (Action.NOTE, Action.PRINT, Action.EXPORT)
ALLOWED_ACTIONS: dict[OrderStatus, tuple[Action, ...]] = {
    S.UNPAID: (*_ALWAYS, Action.CANCEL),
    S.ON_HOLD: (*_ALWAYS, Action.CANCEL, Action.ANSWER_CANCELLATION),
    S.AWAITING_SHIPMENT: (*_ALWAYS, Action.CANCEL, Action.SHIP, Action.ANSWER_CANCELLATION),
    S.PARTIALLY_SHIPPING: (*_ALWAYS, Action.CANCEL, Action.SHIP, Action.ANSWER_CANCELLATION),
    S.AWAITING_COLLECTION: (*_ALWAYS, Action.ANSWER_RETURN, Action.CORRECT_TRACKING),
    S.IN_TRANSIT: (*_ALWAYS, Action.ANSWER_RETURN, Action.CORRECT_TRACKING),
    S.DELIVERED: (*_ALWAYS, Action.ANSWER_RETURN),
    S.COMPLETED: (*_ALWAYS, Action.ANSWER_RETURN),
    S.CANCELLED: (Action.NOTE, Action.EXPORT),
}

CARRIERS: tuple[str, ...] = ("USPS", "UPS", "FedEx", "DHL eCommerce", "OnTrac", "TikTok Shipping")

# The Seller Center export's wording of our enums (DESIGN.md, "Seller Center order export").
SELLER_CENTER_STATUS: dict[OrderStatus, tuple[str, str]] = {
    S.UNPAID: ("Unpaid", ""),
    S.ON_HOLD: ("On hold", ""),
    S.AWAITING_SHIPMENT: ("To ship", "Awaiting shipment"),
    S.PARTIALLY_SHIPPING: ("To ship", "Partially shipped"),
    S.AWAITING_COLLECTION: ("To ship", "Awaiting collection"),
    S.IN_TRANSIT: ("Shipped", "In transit"),
    S.DELIVERED: ("Shipped", "Delivered"),
    S.COMPLETED: ("Completed", ""),
    S.CANCELLED: ("Canceled", ""),
}
SELLER_CENTER_ORDER_TYPE: dict[OrderType, str] = {
    OrderType.NORMAL: "Normal",
    OrderType.PRE_ORDER: "Pre-order",
    OrderType.MADE_TO_ORDER: "Made-to-order",
    OrderType.BACK_ORDER: "Back-order",
}
SELLER_CENTER_FULFILMENT: dict[ShippingType, str] = {
    ShippingType.SELLER: "Fulfillment by seller",
    ShippingType.TIKTOK: "Fulfillment by TikTok",
}
