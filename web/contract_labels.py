"""Titles of the contract types (agents.contract_types) and English labels of their fields where the humanised
field name reads badly, for the generated forms of the builder and the Contract Lab (``web.builder_schema`` merges
them). Chinese labels and help of every field live with all the others in ``web.builder_zh``; units are appended
from the units table as for every other field."""

TYPE_TITLES = {  # contract type → (English, Chinese)
    "waste_heat_purchase": ("Waste-heat purchase", "余热购买合同"),
    "heat_purchase": ("Heat purchase (fixed price)", "购热合同（固定价格）"),
    "green_ppa": ("Green PPA", "绿电购电协议（PPA）"),
    "demand_response": ("Demand-response commitment", "需求响应合同"),
    "storage_service": ("Storage service", "储能服务合同"),
}

EN_LABELS = {
    "term_years": "Contract term", "discount_rate_pu": "Discount rate", "take_or_pay_min_mwh_per_year":
    "Take-or-pay minimum volume", "take_or_pay_price_pu": "Take-or-pay price share", "capex_cny": "Investment",
    "opex_cny_per_year": "Operating cost", "factor_pu": "Index factor", "adder_cny_per_mwh": "Price adder",
    "floor_cny_per_mwh": "Price floor", "strike_price_cny_per_mwh": "Strike price", "share_pu": "Contracted share",
    "baseload_mw": "Baseload power", "lease_cny_per_mw_month": "Capacity lease",
}
