"""Labels and help texts of the contract types' fields (agents.contract_types) for the generated forms of the
builder and the Contract Lab (``web.builder_schema`` merges them): English where the humanised field name reads
badly, Chinese for every field; units are appended from the units table as for every other field."""

TYPE_TITLES = {  # contract type → (English, Chinese)
    "waste_heat_purchase": ("Waste-heat purchase", "余热购买合同"),
    "heat_purchase": ("Heat purchase (fixed price)", "购热合同（固定价格）"),
    "green_ppa": ("Green PPA", "绿色购电协议（PPA）"),
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

ZH_LABELS = {
    **{kind: zh for kind, (_en, zh) in TYPE_TITLES.items()},
    "term_years": "合同期限", "discount_rate_pu": "折现率", "pricing": "定价方式", "fixed": "固定价格",
    "indexed": "指数定价", "shared_savings": "节约分成", "factor_pu": "指数系数", "adder_cny_per_mwh": "价格加成",
    "floor_cny_per_mwh": "最低价格", "seller_share_pu": "卖方分成比例",
    "take_or_pay_min_mwh_per_year": "照付不议最低量", "take_or_pay_price_pu": "照付不议价格比例",
    "heat_pump": "热泵", "pipe": "连接管道", "payer": "出资方", "capex_cny": "投资", "lifetime_years": "经济寿命",
    "opex_cny_per_year": "年运行成本", "shape": "电量曲线", "share_pu": "签约比例", "baseload_mw": "基荷功率",
    "settlement": "结算方式", "strike_price_cny_per_mwh": "执行价格", "certificates": "绿证",
    "certificate_price_cny_per_mwh": "绿证价格", "capacity_payment_cny_per_mw_year": "容量补偿",
    "event_payment_cny_per_mwh": "事件补偿", "penalty_cny_per_mwh": "未达标罚金", "baseline_method": "基线方法",
    "lease_cny_per_mw_month": "容量租赁费", "tolling_fee_cny_per_mwh": "代加工费",
}

ZH_HELP = {
    "term_years": "合同期限（年）；模拟时段按一年折算并在合同期内重复，用于现金流",
    "discount_rate_pu": "用于净现值、动态回收期和资产年金的折现率（每年）",
    "pricing": "热量定价方式：固定价格、按买方替代供热成本指数定价或节约分成",
    "factor_pu": "买方替代供热成本（其最便宜的自有机组）所占比例",
    "adder_cny_per_mwh": "在指数价格上的加成", "floor_cny_per_mwh": "支付的最低价格",
    "seller_share_pu": "买方节约中支付给卖方的比例",
    "take_or_pay_min_mwh_per_year": "买方每年至少支付的热量（按模拟时段折算）；不足部分在最后一步结算",
    "take_or_pay_price_pu": "不足部分每 MWh 按合同平均价格的该比例支付",
    "heat_pump": "数据中心的热泵：出资方、投资、寿命、运行成本；空 = 不在合同内",
    "pipe": "接入热网的管道：出资方、投资、寿命、运行成本；空 = 不在合同内",
    "payer": "投资并运行该资产的一方", "capex_cny": "合同开始时的投资", "lifetime_years": "经济寿命（年）",
    "opex_cny_per_year": "每年固定运行成本",
    "shape": "按发电量结算（电站计量出力的签约比例）或基荷（恒定功率）",
    "share_pu": "签约的电站出力比例（按发电量结算）", "baseload_mw": "签约的恒定功率（基荷）",
    "settlement": "固定价格（物理购电，经电网转供）或差价合约（相对批发电价）",
    "strike_price_cny_per_mwh": "合同（执行）价格", "certificates": "绿证随电量转移（此时计入买方的可再生能源比例）",
    "certificate_price_cny_per_mwh": "绿证价格，另行支付",
    "capacity_payment_cny_per_mw_year": "每 MW 承诺容量每年的可用性补偿",
    "event_payment_cny_per_mwh": "按实测响应（不超过承诺）每 MWh 的补偿",
    "penalty_cny_per_mwh": "实测响应低于调用量时每 MWh 的罚金", "baseline_method": "衡量响应所用的基线方法",
    "lease_cny_per_mw_month": "每 MW 每月的容量租赁费", "tolling_fee_cny_per_mwh": "用户份额每放电 1 MWh 的代加工费",
}

# Parts of a contract ($defs of the schema): (English title, Chinese title, Chinese description).
DEF_TEXTS = {
    "ContractAsset": ("Asset", "资产", "合同所需的资产（热泵、管道）：由谁出资、投资多少、寿命多长。"),
    "FixedHeatPrice": ("Fixed price", "固定价格", "每 MWh 供热的固定价格。"),
    "IndexedHeatPrice": ("Indexed to the alternative heat cost", "按替代供热成本指数定价",
                         "价格 = 系数 × 买方该时步的替代供热成本 + 加成，且不低于最低价格。"),
    "SharedSavingsHeatPrice": ("Shared savings", "节约分成",
                               "价格 = 买方每 MWh 节约（替代供热成本 − 买方自有热泵的用电）中卖方的分成，不为负。"),
}

# What each contract type is (the form's heading help), in Chinese; English comes from the core's docstrings.
TYPE_HELP_ZH = {
    "waste_heat_purchase": "供热公司购买数据中心回收的余热（按热网温度交付）。",
    "heat_purchase": "供热公司以固定价格购买数据中心回收的余热。",
    "green_ppa": "数据中心购买可再生能源电站的电量（按发电量或基荷），固定价格或差价合约，可含绿证。",
    "demand_response": "聚合商或数据中心向电网运营商承诺削减负荷。",
    "storage_service": "储能所有者向用户出租容量（按 MW·月）或收取代加工费（按 MWh）。",
}
