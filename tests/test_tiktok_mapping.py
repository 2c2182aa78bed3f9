"""TikTok's 202309 order JSON read as our orders: units grouped into lines, times, money, address."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from tsshop_tui.domain.model import Initiator, OrderStatus, ShippingType
from tsshop_tui.io.tiktok.mapping import MappingError, order_from_api

T0 = 1_764_000_000  # 2025-11-24 16:00 UTC


def unit(n: int, sku: str = "1729", price: str = "12.50", **extra):
    return {
        "id": f"58000000000000{n:04d}", "sku_id": sku, "seller_sku": f"SS-{sku}", "product_id": "17000001",
        "product_name": "Mug [b]bold[/b]", "sku_name": "Black, M", "original_price": "15.00", "sale_price": price,
        "platform_discount": "1.00", "seller_discount": "1.50", "package_id": "1150001", "tracking_number": "",
        "display_status": "AWAITING_SHIPMENT", **extra,
    }


DETAIL = {
    "id": "576000000000000001",
    "status": "AWAITING_SHIPMENT",
    "create_time": T0, "paid_time": T0 + 60, "update_time": T0 + 120,
    "rts_sla_time": T0 + 86_400, "tts_sla_time": T0 + 2 * 86_400, "shipping_due_time": T0 + 5 * 86_400,
    "rts_time": 0, "delivery_time": None,
    "tracking_number": "", "shipping_provider": "", "shipping_provider_id": "",
    "delivery_option_id": "70001", "delivery_option_name": "Standard shipping", "shipping_type": "SELLER",
    "buyer_message": "leave at the door", "seller_note": "", "cancel_reason": "", "warehouse_id": "7000",
    "payment": {"currency": "GBP", "sub_total": "37.50", "shipping_fee": "2.99", "seller_discount": "4.50",
                "platform_discount": "3.00", "tax": "0", "total_amount": "32.99"},
    "recipient_address": {
        "name": "Ann Lee", "phone_number": "(+44)7700900000", "full_address": "1 High St, Leeds",
        "address_detail": "1 High St", "address_line2": "Flat 2", "postal_code": "LS1 1AA", "region_code": "GB",
        "district_info": [
            {"address_level_name": "country", "address_name": "United Kingdom", "address_level": "L0"},
            {"address_level_name": "county", "address_name": "West Yorkshire", "address_level": "L1"},
            {"address_level_name": "city", "address_name": "Leeds", "address_level": "L3"},
        ],
    },
    "line_items": [unit(1), unit(2, sku="1730", price="10.00"), unit(3)],
    "packages": [{"id": "1150001"}],
    "some_field_from_a_newer_version": {"x": 1},
}


def test_a_detail_becomes_our_order_with_units_grouped_by_sku():
    order = order_from_api("shop-a", DETAIL)
    assert order.id == "576000000000000001" and order.shop_id == "shop-a"
    assert order.status is OrderStatus.AWAITING_SHIPMENT and order.shipping_type is ShippingType.SELLER
    assert order.create_time == datetime.fromtimestamp(T0, timezone.utc)
    assert order.update_time == datetime.fromtimestamp(T0 + 120, timezone.utc)
    assert order.rts_time is None and order.delivery_time is None and order.tracking_number is None
    assert [(line.sku_id, line.quantity, line.sale_price) for line in order.line_items] == [
        ("1729", 2, Decimal("12.50")), ("1730", 1, Decimal("10.00")),
    ]
    first = order.line_items[0]
    assert first.product_name == "Mug [b]bold[/b]" and first.seller_sku == "SS-1729" and first.package_id == "1150001"
    assert order.item_count == 3
    assert (order.currency, order.total_amount, order.seller_discount) == ("GBP", Decimal("32.99"), Decimal("4.50"))
    assert (order.recipient_name, order.address_detail, order.address_extra) == ("Ann Lee", "1 High St", "Flat 2")
    assert (order.city, order.state, order.zipcode, order.country) == ("Leeds", "West Yorkshire", "LS1 1AA", "GB")
    assert order.buyer_message == "leave at the door" and order.delivery_option_name == "Standard shipping"


def test_missing_fields_take_their_defaults():
    order = order_from_api("shop-a", {"id": "576000000000000002", "status": "UNPAID", "create_time": str(T0)})
    assert order.status is OrderStatus.UNPAID and order.line_items == [] and order.total_amount == 0
    assert order.create_time == datetime.fromtimestamp(T0, timezone.utc)


def test_a_cancelled_order_keeps_who_cancelled_and_why():
    data = copy.deepcopy(DETAIL) | {
        "status": "CANCELLED", "cancel_time": T0 + 300, "cancel_reason": "Out of stock",
        "cancellation_initiator": "SELLER",
    }
    order = order_from_api("shop-a", data)
    assert order.cancellation_initiator is Initiator.SELLER and order.cancel_reason == "Out of stock"
    assert order.cancel_time == datetime.fromtimestamp(T0 + 300, timezone.utc)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"status": "LOST_AT_SEA"}, "status"),
        ({"update_time": "yesterday"}, "update_time is not a time"),
        ({"payment": {"total_amount": "12,50"}}, "payment.total_amount is not an amount"),
        ({"payment": "free"}, "payment is not an object"),
        ({"line_items": [{"sale_price": "1"}]}, "has no sku_id"),
        ({"line_items": [unit(1, price="NaN")]}, "line_items.sale_price is not an amount"),
        ({"create_time": None}, "create_time"),
    ],
)
def test_a_bad_field_is_refused_naming_the_order(change, words):
    with pytest.raises(MappingError) as caught:
        order_from_api("shop-a", DETAIL | change)
    assert str(caught.value).startswith("order 576000000000000001: ") and words in str(caught.value)


def test_an_order_without_an_id_is_named_so():
    with pytest.raises(MappingError, match=r"order \(no id\)"):
        order_from_api("shop-a", {"status": "UNPAID", "create_time": T0})
