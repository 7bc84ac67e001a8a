"""Reference data: the value sets Stripe validates against and field-name lists."""

from typing import Any

from .params import ANY

# fmt: off
ZERO_DECIMAL = frozenset((
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
))
THREE_DECIMAL = frozenset(("bhd", "jod", "kwd", "omr", "tnd"))

# Checkout Session parameters accepted but not modelled (free-form).
SESSION_PASSTHROUGH = (
    "after_expiration", "consent_collection", "custom_fields", "custom_text", "customer_update",
    "discounts", "invoice_creation", "optional_items", "payment_method_options",
    "phone_number_collection", "saved_payment_method_options", "shipping_address_collection",
    "shipping_options", "tax_id_collection", "adaptive_pricing", "branding_settings",
    "name_collection", "permissions", "wallet_options",
)
SESSION_SCALARS = (
    "mode", "success_url", "cancel_url", "return_url", "customer", "customer_email",
    "customer_creation", "locale", "client_reference_id", "expires_at", "allow_promotion_codes",
    "billing_address_collection", "currency", "submit_type", "ui_mode",
    "payment_method_collection", "payment_method_configuration", "redirect_on_completion",
    "origin_context",
)
LOCALES = frozenset((
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
    "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt",
    "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
))
PAYMENT_METHOD_TYPES = frozenset((
    "acss_debit", "affirm", "afterpay_clearpay", "alipay", "amazon_pay", "au_becs_debit",
    "bacs_debit", "bancontact", "blik", "boleto", "card", "cashapp", "customer_balance", "eps",
    "fpx", "giropay", "grabpay", "ideal", "klarna", "konbini", "link", "mobilepay", "multibanco",
    "oxxo", "p24", "paynow", "paypal", "pix", "promptpay", "revolut_pay", "sepa_debit", "sofort",
    "swish", "twint", "us_bank_account", "wechat_pay", "zip",
))
DISPUTE_REASONS = frozenset((
    "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
    "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
    "insufficient_funds", "product_not_received", "product_unacceptable",
    "subscription_canceled", "unrecognized",
))
DISPUTE_EVIDENCE = (
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
)
BUSINESS_PROFILE = (
    "mcc", "name", "product_description", "support_address", "support_email", "support_phone",
    "support_url", "url",
)
EURO_COUNTRIES = frozenset((
    "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PT", "SI", "SK",
))
CURRENCY_BY_COUNTRY = {
    "US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "NZ": "nzd", "JP": "jpy",
    "CH": "chf", "SE": "sek", "NO": "nok", "DK": "dkk", "PL": "pln", "CZ": "czk",
    "HU": "huf", "RO": "ron", "BG": "bgn", "SG": "sgd", "HK": "hkd", "MX": "mxn",
    "BR": "brl", "IN": "inr", "AE": "aed",
}
# Smallest amount Stripe accepts per settlement currency (minor units).
MINIMUM_AMOUNT = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "nzd": 50, "chf": 50,
    "sgd": 50, "jpy": 50, "hkd": 400, "sek": 300, "nok": 300, "dkk": 250,
    "pln": 200, "czk": 1500, "huf": 17500, "ron": 200, "bgn": 100, "mxn": 1000,
    "brl": 50, "inr": 50, "aed": 200,
}
# fmt: on

# Parameters accepted by POST /v1/checkout/sessions (see params.check_unknown).
_PRICE_DATA = {
    "currency": None,
    "unit_amount": None,
    "unit_amount_decimal": None,
    "product": None,
    "product_data": {
        "name": None,
        "description": None,
        "images": [None],
        "metadata": ANY,
        "tax_code": None,
        "unit_label": None,
    },
    "tax_behavior": None,
    "recurring": ANY,
}
_PAYMENT_INTENT_DATA = {
    "application_fee_amount": None,
    "capture_method": None,
    "description": None,
    "metadata": ANY,
    "on_behalf_of": None,
    "receipt_email": None,
    "setup_future_usage": None,
    "shipping": ANY,
    "statement_descriptor": None,
    "statement_descriptor_suffix": None,
    "transfer_data": {"amount": None, "destination": None},
    "transfer_group": None,
}
SESSION_CREATE: dict[str, Any] = {
    **dict.fromkeys(SESSION_SCALARS),
    **dict.fromkeys(SESSION_PASSTHROUGH, ANY),
    "line_items": [
        {
            "price": None,
            "price_data": _PRICE_DATA,
            "quantity": None,
            "adjustable_quantity": ANY,
            "tax_rates": [None],
            "dynamic_tax_rates": [None],
        }
    ],
    "metadata": ANY,
    "automatic_tax": {"enabled": None, "liability": ANY},
    "payment_intent_data": _PAYMENT_INTENT_DATA,
    "payment_method_types": [None],
    "expand": [None],
}
