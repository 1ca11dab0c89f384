"""Texts of the builder's and the Contract Lab's generated forms (``web.builder_schema`` reads them): a Chinese label
and a Chinese help text for every field of the scenario JSON Schema (``agents.scenario_json_schema``, top level and
every ``$defs`` entry) and of the multi-region schema's own parts, English labels where the humanised field name
reads badly, titles of the schema's parts (``$defs``) and display titles of every enumerated value in both
languages.

Keys: ``Owner.field`` (``Owner`` = the ``$defs`` name, ``""`` for the top level, ``MultiRegion`` for the top level
of a multi-region document) or, for labels only, a bare field name shared by every owner. Help texts are keyed
by ``Owner.field`` only, so each keeps the exact meaning of that field's English ``description``; they leave the
unit out where the label carries it (units come from ``agents.units``). tests/web/test_builder_zh.py fails for a
schema field, part or enumerated value without its texts, naming its path, and for a field whose English
description changed since its Chinese help was written: ``builder_zh_sources.json`` records the English each
translation was made from. After translating, record it: ``.venv/bin/python -m web.builder_zh``.
"""
from __future__ import annotations

import json
from pathlib import Path

SOURCES_PATH = Path(__file__).with_name("builder_zh_sources.json")

# ---------------------------------------------------------------------------------------------------- labels

# Names whose humanised form reads badly in English.
EN_LABELS = {
    "lat": "Latitude", "lon": "Longitude", "tz": "Time zone", "dt_h": "Step length",
    "co2_t_per_mwh": "CO₂ factor", "grid_co2_t_per_mwh": "Grid CO₂ factor", "fuel_co2_t_per_mwh": "Fuel CO₂ factor",
    "backup_co2_t_per_mwh": "Backup CO₂ factor", "eta_charge": "Charging efficiency",
    "backup": "Backup generators", "start_up_time_s": "Start-up time", "min_run_time_h": "Minimum run time",
    "dr_margin_cny_per_mwh": "DR offer margin", "dr_notice_s": "DR notice",
    "eta_discharge": "Discharging efficiency", "seller_id": "Seller", "buyer_id": "Buyer", "owner_id": "Owner",
    "season_start_md": "Heating season start (MM-DD)", "season_end_md": "Heating season end (MM-DD)",
    "name_zh": "Name in Chinese", "description_zh": "Description in Chinese", "program_id": "Program", "member_ids": "Members", "data_center_ids": "Data centers",
    "soc_initial_pu": "Initial state of charge", "soc_min_pu": "Minimum state of charge",
    "soc_max_pu": "Maximum state of charge", "soc_end_target_pu": "End-of-window state of charge",
    "dhw_kwh_per_m2_yr": "Domestic hot water", "loss_ua_mw_per_k": "Pipe heat-loss coefficient (UA)",
    "must_run_season_md": "Must-run season (MM-DD)", "max_events_per_month": "Maximum events per month",
    "reserve_price_cny_per_mw_h": "Reserve price", "peak_weight_cny_per_mw": "Peak weight",
    "capacity_payment_cny_per_kw_month": "Capacity payment", "payment_cap_cny_per_kw": "Payment cap per event",
    "penalty_cny_per_mwh_short": "Shortfall penalty", "compute_capacity_pflops": "Compute capacity (dense FP16)",
    "from_region": "From region", "to_region": "To region", "electrical_efficiency_pu": "Electrical efficiency",
    "chp_co2_allocation": "CHP CO₂ allocation", "exergy_reference_temp_c": "Exergy reference temperature",
    "dc_heat_max_price_cny_per_mwh": "Most paid for data-center heat", "tou_band_pu": "TOU flat band",
    "electricity_co2_price_cny_per_t": "Internal carbon price of electricity", "every_steps": "Every",
    "wholesale_buyers": "Wholesale buyers", "transfer_after_dips": "Transfer after dips",
    "Region.name": "Region name", "HeatNetwork.name": "Network name",
}

# Chinese labels (units are appended from the units table).
ZH_LABELS = {
    "behind_meter": "位于数据中心表后",
    "schema_version": "模式版本", "name": "名称", "description": "说明", "region": "区域", "horizon": "模拟时段",
    "actors": "主体", "markets": "市场", "contracts": "合同", "events": "事件", "seed": "随机种子",
    "id": "标识", "lat": "纬度", "lon": "经度", "type": "类型", "tz": "时区", "weather_site": "气象站",
    "grid_co2_t_per_mwh": "电网碳排放因子", "tariff": "分时电价", "start": "开始时间", "steps": "仿真步数", "dt_h": "步长",
    "it_capacity_mw": "IT 容量", "racks": "机柜数", "rack_density_kw": "单机柜功率", "accelerator": "加速器",
    "accelerator_count": "加速器数量", "compute_capacity_pflops": "算力容量（FP16 稠密）", "workload": "负载类型",
    "utilisation_mean_pu": "平均利用率", "utilisation_amplitude_pu": "利用率日波动幅度",
    "utilisation_noise_pu": "利用率随机波动", "idle_power_pu": "空载功率比例", "cooling": "冷却方式",
    "fixed_overhead_pu": "固定附加负荷比例", "heat_recovery": "余热回收", "pv_capacity_mw": "屋顶光伏容量",
    "battery": "储能电池", "backup_generator_mw": "备用发电机容量（旧字段）",
    "backup_fuel_cost_cny_per_mwh": "备用燃料成本（旧字段）", "backup_co2_t_per_mwh": "备用发电碳排放因子（旧字段）",
    "ride_through": "电压暂降穿越", "backup": "备用发电机", "start_up_time_s": "启动时间", "min_run_time_h": "最短运行时间",
    "dr_margin_cny_per_mwh": "需求响应报价加价", "dr_notice_s": "需求响应提前通知",
    "heat_pump_capacity_mw": "热泵容量", "source_temp_c": "热源温度", "sink_temp_c": "供热温度",
    "carnot_efficiency": "卡诺效率系数", "recoverable_pu": "可回收热量比例", "capex_cny_per_mw": "单位投资",
    "capex_basis": "投资口径", "heat_pump_owner": "热泵所有方",
    "energy_capacity_mwh": "储能容量", "power_capacity_mw": "功率容量", "eta_charge": "充电效率",
    "eta_discharge": "放电效率", "soc_initial_pu": "初始荷电状态", "strategy": "策略",
    "other_load_mean_mw": "其他负荷均值", "other_load_daily_swing_pu": "其他负荷日波动",
    "other_load_cooling_mw_per_c": "其他负荷制冷敏感度", "other_load_heating_mw_per_c": "其他负荷采暖敏感度",
    "inertia_constant_s": "惯性时间常数", "nominal_frequency_hz": "额定频率", "interconnection": "同步电网",
    "frequency_study": "频率研究", "networks": "热网", "units": "热源机组", "heat_price_cny_per_mwh": "热价",
    "floor_area_m2": "供热面积", "design_load_w_per_m2": "设计热负荷", "design_temp_c": "设计室外温度",
    "base_temp_c": "采暖基准温度", "supply_temp_c": "供水温度", "return_temp_c": "回水温度", "loss_pu": "热网损失比例",
    "season_start_md": "采暖季开始（月-日）", "season_end_md": "采暖季结束（月-日）",
    "seller_id": "卖方", "buyer_id": "买方", "price_cny_per_mwh": "价格", "kind": "种类", "capacity_mw": "容量",
    "efficiency_pu": "效率", "fuel_price_cny_per_mwh": "燃料价格", "fuel_co2_t_per_mwh": "燃料碳排放因子",
    "chp_co2_allocation": "热电联产碳排放分摊方法", "min_up_h": "最短开机时间", "min_down_h": "最短停机时间",
    "start_up_cost_cny_per_mw": "单位启动成本", "must_run_season_md": "必开季节（月-日）", "flex": "负载灵活性",
    "deferrable_pu": "可延后负载比例", "deadline_h": "延后期限",
    "carbon_signal": "碳信号", "min_signal_spread_pu": "最小信号价差", "dr_committed_mw": "需求响应承诺功率",
    "carry_over": "结转至下一窗口", "migratable_pu": "可迁移负载比例", "max_deferral_pu": "最大延后比例",
    "capacity_headroom_pu": "容量裕度", "reference_power_efficiency_pu": "参考发电效率",
    "reference_heat_efficiency_pu": "参考供热效率", "exergy_reference_temp_c": "㶲参考温度", "commitment": "启停方式",
    "price_threshold_cny_per_mwh": "电价阈值", "carbon_threshold_kgco2_per_kwh": "碳强度阈值",
    "cold_storage": "蓄冷装置", "ColdStorageSpec.capacity_mwh_th": "蓄冷容量", "charge_mw_th": "蓄冷功率",
    "discharge_mw_th": "释冷功率", "loss_pu_per_h": "每小时冷损比例", "charge_quantile": "蓄冷电价分位数",
    "discharge_quantile": "释冷电价分位数", "min_spread_pu": "最小价差",
    "power_to_heat_ratio": "热电比", "fuel": "燃料", "marginal_cost_cny_per_mwh": "边际成本",
    "min_load_pu": "最小出力比例", "ramp_pu_per_h": "爬坡速率", "co2_t_per_mwh": "碳排放因子",
    "forced_outage_rate_pu": "强迫停运率", "mean_outage_h": "平均停运时长", "technology": "技术",
    "tilt_deg": "倾角", "azimuth_deg": "方位角", "turbine_type": "风机型号", "hub_height_m": "轮毂高度",
    "roughness_length_m": "地表粗糙度长度", "owner_id": "所有者", "clearing_rule": "出清规则",
    "price_cap_cny_per_mwh": "价格上限", "price_floor_cny_per_mwh": "价格下限", "carbon_price_cny_per_t": "碳价",
    "reserve_requirement_pu": "备用容量要求", "value_of_lost_load_cny_per_mwh": "失负荷价值", "imports": "外购电",
    "exports": "外送电", "flat_price_cny_per_mwh": "平段电价", "peak_ratio": "峰段倍率", "valley_ratio": "谷段倍率",
    "peak_hours": "峰段时段", "valley_hours": "谷段时段", "start_h": "开始小时", "end_h": "结束小时",
    "duration_s": "时长", "substep_s": "子步长", "dc_trip_dips": "数据中心脱网暂降次数",
    "dc_trip_span_s": "数据中心脱网暂降时间跨度", "synchronous_capacity_mva": "同步机组容量", "load_mw": "负荷",
    "load_damping_pu": "负荷阻尼", "droop_pu": "调差系数", "governor_share_pu": "调速器参与比例",
    "governor_lag_s": "调速器时间常数", "primary_reserve_mw": "一次调频备用", "largest_hvdc_infeed_mw": "最大直流馈入",
    "follow_region_load": "跟随区域负荷", "transfer_after_dips": "暂降多少次后转备用", "dip_window_s": "暂降计数窗口",
    "transfer_delay_s": "转移延时", "backup_hold_h": "备用保持时长", "return_ramp_h": "恢复爬坡时长",
    "at": "时间", "count": "次数", "span_s": "时间跨度", "data_center_ids": "数据中心",
    # fields of the demand-response block, decision points, storage schedules, heat dispatch, imports …
    "demand_response": "需求响应", "decision_points": "决策点", "name_zh": "中文名称", "description_zh": "中文说明",
    "programs": "需求响应项目", "aggregators": "聚合商", "program_id": "所属项目", "member_ids": "成员",
    "commitment_mw": "各成员承诺容量", "total_commitment_mw": "承诺总容量", "fee_share_pu": "服务费比例",
    "allocation": "分配方式", "offer_price_cny_per_mwh": "成员报价", "pass_through_penalty": "考核传导至成员",
    "end": "结束时间", "called_mw": "调用的削减功率", "notice_h": "提前通知时间", "trigger": "触发条件",
    "reserve_margin_threshold_pu": "备用裕度阈值", "min_duration_h": "最短事件时长", "max_duration_h": "最长事件时长",
    "max_events_per_month": "每月最多事件数", "baseline_method": "基线方法", "adjustment_cap_pu": "当日调整上限",
    "capacity_payment_cny_per_kw_month": "容量补偿", "energy_payment_cny_per_mwh": "电量补偿",
    "penalty_cny_per_mwh_short": "未达标考核", "payment_cap_cny_per_kw": "单次事件补偿上限",
    "paid_response_cap_pu": "补偿响应上限比例", "every_steps": "每隔步数",
    "soc_min_pu": "最低荷电状态", "soc_max_pu": "最高荷电状态", "soc_end_target_pu": "窗口末荷电状态目标",
    "cycle_limit_per_window": "每窗口循环次数上限", "degradation_cost_cny_per_mwh": "损耗成本",
    "peak_weight_cny_per_mw": "峰值权重", "peak_scope": "削峰范围", "reserve_mw": "提供的备用",
    "reserve_duration_h": "备用持续时间", "reserve_price_cny_per_mw_h": "备用报价", "tou_band_pu": "平段带宽",
    "dc_heat_max_price_cny_per_mwh": "数据中心余热最高收购价", "electricity_co2_price_cny_per_t": "用电内部碳价",
    "loss_ua_mw_per_k": "管网散热系数（UA）", "ground_temp_c": "土壤温度", "dhw_kwh_per_m2_yr": "生活热水",
    "summer_supply_temp_c": "夏季供水温度", "heat_storage": "蓄热罐",
    "HeatTankSpec.capacity_mwh_th": "蓄热容量", "charge_capacity_mw_th": "蓄热功率",
    "discharge_capacity_mw_th": "放热功率", "standing_loss_pu_per_h": "每小时散热损失比例",
    "electrical_efficiency_pu": "发电效率", "renewable_share_pu": "可再生能源占比", "scheduled": "按计划送电",
    "hourly_capacity_pu": "逐时可用容量系数", "monthly_capacity_pu": "逐月可用容量系数",
    "hourly_price_pu": "逐时电价系数", "monthly_price_pu": "逐月电价系数", "wholesale_buyers": "批发市场购电方",
    "fuel_cost_cny_per_mwh": "燃料成本",
    # multi-region documents
    "regions": "区域", "links": "区域间链路", "migration": "负载迁移", "from_region": "迁出地区",
    "to_region": "迁入地区", "work_capacity_mw": "链路负载容量", "latency_ms": "往返时延", "latency_class": "时延等级",
    "min_saving_pu": "最小节约比例",
    # entry kinds (oneOf options), by their discriminator value (as web/labels.py names them)
    "data_center": "数据中心", "heat_utility": "供热企业", "grid_operator": "电网运营商",
    "renewable_plant": "新能源电站", "power_plant": "常规电厂", "storage": "储能电站", "heat_purchase": "购热合同",
    "voltage_dips": "电压暂降", "grid_outage": "电网停电", "GridOutage.duration_h": "停电时长",
    # contract types (agents.contract_types) and their terms
    "waste_heat_purchase": "余热购买合同", "green_ppa": "绿电购电协议", "storage_service": "储能服务合同",
    "pricing": "定价方式", "strike_price_cny_per_mwh": "执行价格",
    "term_years": "合同期限", "discount_rate_pu": "折现率", "take_or_pay_min_mwh_per_year": "照付不议最低量",
    "heat_pump": "热泵", "pipe": "连接管道", "capex_cny": "投资", "lifetime_years": "经济寿命",
    "opex_cny_per_year": "每年运维成本", "payer": "出资方", "certificates": "绿证",
    "capacity_payment_cny_per_mw_year": "容量补偿", "event_payment_cny_per_mwh": "事件补偿",
    "penalty_cny_per_mwh": "未达标罚金", "lease_cny_per_mw_month": "容量租赁费", "tolling_fee_cny_per_mwh": "放电服务费",
    "factor_pu": "指数系数", "adder_cny_per_mwh": "价格加成", "floor_cny_per_mwh": "最低价格",
    "seller_share_pu": "卖方分成比例", "take_or_pay_price_pu": "照付不议价格比例", "shape": "电量曲线",
    "share_pu": "签约比例", "baseload_mw": "基荷功率", "settlement": "结算方式",
    "certificate_price_cny_per_mwh": "绿证价格",
    # owner-specific labels
    "Region.name": "区域名称", "HeatNetwork.name": "热网名称", "Interconnection.name": "同步电网名称",
    "Exports.capacity_mw": "外送容量", "Imports.capacity_mw": "外购容量", "ImportLine.capacity_mw": "输电容量",
    "Exports.price_cny_per_mwh": "外送报价", "Imports.price_cny_per_mwh": "外购报价",
    "ImportLine.price_cny_per_mwh": "落地电价", "HeatUnit.capacity_mw": "供热容量",
    "SiteBackupSpec.capacity_mw": "额定出力", "StorageService.capacity_mw": "租用功率",
    "DemandResponseContract.capacity_mw": "承诺削减", "FixedHeatPrice.price_cny_per_mwh": "热价",
    "HeatPurchase.price_cny_per_mwh": "热价", "DemandResponse.events": "调用事件",
    "DecisionPointsSpec.events": "停靠事件", "HeatUnit.efficiency_pu": "供热效率",
    "HeatUnit.carnot_efficiency": "卡诺效率系数（空气源热泵）", "StorageService.kind": "服务方式",
    "HeatUnit.kind": "技术", "HeatDispatchStrategySpec.kind": "调度规则", "MigrationSpec.kind": "迁移规则",
    "BackupStrategySpec.kind": "运行规则", "DataCenterStrategySpec.kind": "决策规则",
    "StorageStrategySpec.kind": "调度方式", "LinkSpec.loss_pu": "迁移能耗比例", "RegionEntry.description": "说明",
}

# ---------------------------------------------------------------------------------------------------- help

_ACTORS = ("DataCenter", "GridOperator", "HeatUtility", "PowerPlant", "RenewablePlant", "Storage")
_CONTRACTS = ("DemandResponseContract", "GreenPpa", "HeatPurchase", "StorageService", "WasteHeatPurchase")
_OTHER_STRATEGY = "该主体依据公开信号决策的内容与方式（agents.strategies，见 docs/strategies.md）；种类 none = 内置行为"
_TERM = "合同期限；模拟时段折算为一年，并在合同期内重复用于现金流（见 docs/contracts.md）"
_DISCOUNT = "用于净现值、动态回收期和资产年金的折现率（每年）"

ZH_HELP: dict[str, str] = {
    # the document (top level)
    ".schema_version": "情景模式版本", ".name": "情景名称", ".description": "自由文本",
    ".name_zh": "情景的中文名称，在名称未修改时于中文页面上显示（可选；为空则显示名称）；仅用于显示，模型不使用",
    ".description_zh": "说明的中文版本，在中文页面上显示（可选；为空则显示说明）；仅用于显示",
    ".region": "区域：位置、时区、气象站、电网碳排放因子、电价",
    ".horizon": "模拟时段：开始时间（当地时间）、步数和步长", ".actors": "区域内的主体", ".markets": "市场规则",
    ".contracts": "双边合同", ".events": "模拟时段内的电网事件（电压暂降、电网停电）",
    ".demand_response": "需求响应项目、聚合商和事件调用", ".seed": "随机种子",
    ".decision_points": "运行在何处暂停，等待人工决策（agents.decisions）；默认不暂停",
    # the actors' common fields
    **{f"{a}.id": "主体的唯一标识（字母、数字、_ . -）" for a in _ACTORS},
    **{f"{a}.name": "显示名称" for a in _ACTORS},
    **{f"{a}.name_zh": "中文显示名称，在中文页面上显示（可选；为空则显示名称）；仅用于显示，模型不使用" for a in _ACTORS},
    **{f"{a}.lat": "纬度" for a in _ACTORS},
    **{f"{a}.lon": "经度" for a in _ACTORS},
    **{f"{a}.type": "类型标识：该条目的种类" for a in _ACTORS},
    **{f"{a}.strategy": _OTHER_STRATEGY for a in ("GridOperator", "PowerPlant", "RenewablePlant")},
    # the contracts' common fields
    **{f"{c}.id": "合同的唯一标识（字母、数字、_ . -）" for c in _CONTRACTS},
    **{f"{c}.name": "合同的显示名称" for c in _CONTRACTS},
    **{f"{c}.term_years": _TERM for c in _CONTRACTS},
    **{f"{c}.discount_rate_pu": _DISCOUNT for c in _CONTRACTS},
    **{f"{c}.type": "类型标识：该条目的种类" for c in _CONTRACTS},
    # AggregatorSpec
    "AggregatorSpec.id": "聚合商的标识",
    "AggregatorSpec.program_id": "其参与的需求响应项目的标识",
    "AggregatorSpec.member_ids": "参与成员（数据中心、可调负荷）的标识",
    "AggregatorSpec.commitment_mw": "各成员承诺的削减量，按成员标识的顺序；空 = 总承诺削减按可用灵活性比例分摊",
    "AggregatorSpec.total_commitment_mw": "聚合商向电网运营商承诺的削减量；空 = 各成员承诺之和",
    "AggregatorSpec.fee_share_pu": "聚合商从每个成员的需求响应毛收入中留作服务费的比例",
    "AggregatorSpec.allocation": "被调用的削减量如何分配：按可用灵活性比例，或按成员报价的优先顺序",
    "AggregatorSpec.offer_price_cny_per_mwh": "按优先顺序分配时成员的报价，按成员标识的顺序",
    "AggregatorSpec.pass_through_penalty": "将未达标考核向响应不足的成员追偿（按其不足量比例）",
    # BackupStrategySpec
    "BackupStrategySpec.kind": ("contingency：仅在站点发生电网故障时运行（电压暂降转移、电网停电、电网无法供给的负荷）；"
                                "contingency_and_dr：当事件补偿不低于其报价时，还承担站点被调用的需求响应削减"),
    "BackupStrategySpec.dr_margin_cny_per_mwh": "需求响应报价中加在燃料成本之上的加价",
    "BackupStrategySpec.dr_notice_s": "需求响应事件提前多久通知；超出通知时间的启动时间会推迟其响应",
    # Battery
    "Battery.energy_capacity_mwh": "可用储能容量",
    "Battery.power_capacity_mw": "充放电功率上限",
    "Battery.eta_charge": "充电效率",
    "Battery.eta_discharge": "放电效率",
    "Battery.soc_initial_pu": "初始荷电量 / 容量",
    "Battery.strategy": ("tou：谷段充电、峰段放电；net_load：削减净负荷峰值；或一个计划策略对象（种类 arbitrage / "
                         "peak_shaving / tou_rule / net_load_rule，agents.strategies.storage_schedule），每天依据公开预测"
                         "制定计划——对数据中心的站内电池，依据数据中心支付的电价及其自身净负荷（提供备用的电池应设为"
                         "储能主体）"),
    # ColdStorageSpec
    "ColdStorageSpec.capacity_mwh_th": "蓄满时可用的蓄冷量",
    "ColdStorageSpec.charge_mw_th": "冷机向蓄冷罐蓄冷的最大功率",
    "ColdStorageSpec.discharge_mw_th": "蓄冷罐可释放的最大冷量功率",
    "ColdStorageSpec.loss_pu_per_h": "静置损失：每小时损失的蓄冷量比例",
    "ColdStorageSpec.soc_initial_pu": "开始时的蓄冷量 / 容量",
    "ColdStorageSpec.charge_quantile": "在冷量价格不高于窗口预测该分位数的时步蓄冷",
    "ColdStorageSpec.discharge_quantile": "在冷量价格不低于该分位数的时步释冷",
    "ColdStorageSpec.min_spread_pu": "仅当窗口内冷量价格的（最高 − 最低）/ 最高达到该值时才动作（覆盖静置损失）",
    # ContractAsset
    "ContractAsset.payer": "投资并运行该资产的一方",
    "ContractAsset.capex_cny": "合同开始时的投资",
    "ContractAsset.lifetime_years": "经济寿命；短于合同期限时再投资，在账目中按合同折现率计年金",
    "ContractAsset.opex_cny_per_year": "每年固定运行成本",
    # DataCenter
    "DataCenter.strategy": ("数据中心如何安排负载（agents.strategies.workload_flex，见 docs/strategies.md）：none = 负载到达即运行；"
                            "price_following / carbon_aware / renewable_following = 可延后负载在期限内移到当天预测中最便宜 / "
                            "最低碳 / 最绿色的时段；dr_committed = 按聚合商调用的削减量降低 IT 负荷"),
    "DataCenter.it_capacity_mw": "满负荷时的 IT（服务器）功率",
    "DataCenter.racks": "机柜数量",
    "DataCenter.rack_density_kw": "每个机柜的设计 IT 功率",
    "DataCenter.accelerator": "主要计算硬件的代际",
    "DataCenter.accelerator_count": "加速器数量（GPU 卡或 CPU 插槽）；决定默认算力",
    "DataCenter.compute_capacity_pflops": ("峰值算力，FP16 稠密张量；默认：加速器数量 × 每卡手册 FP16 稠密算力，否则 IT 容量 × "
                                           "加速器功率占比 × 每瓦 FP16 稠密算力（agents.physics.it_load.compute_capacity_pflops）"),
    "DataCenter.workload": "利用率曲线（agents.physics.it_load.PROFILE_KINDS）",
    "DataCenter.utilisation_mean_pu": "平均 IT 利用率；默认取负载曲线的值",
    "DataCenter.utilisation_amplitude_pu": "利用率日波动的半幅；默认取负载曲线的值",
    "DataCenter.utilisation_noise_pu": "逐时随机利用率噪声的标准差（由随机种子决定）",
    "DataCenter.idle_power_pu": "零利用率时的 IT 功率 / IT 容量",
    "DataCenter.cooling": "冷却技术（agents.physics.cooling.COOLING_TECHNOLOGIES）",
    "DataCenter.fixed_overhead_pu": "满负荷附加能耗中不随负荷变化的比例",
    "DataCenter.heat_recovery": "可选：向供热企业回收余热",
    "DataCenter.pv_capacity_mw": "站内光伏峰值功率",
    "DataCenter.battery": "可选：站内电池",
    "DataCenter.cold_storage": ("可选：冷冻水 / 液冷回路中的蓄冷装置：数据中心每天在公开电价预测的低价时段蓄冷（冷机额外用电），"
                                "在高价时段由其承担制冷（agents.actors.dc_cold_storage）；空 = 无"),
    "DataCenter.backup": ("备用发电机：技术（diesel、gas_engine、h2_fuel_cell）及其默认参数（燃料成本、CO₂、启动时间、最短运行时间，"
                          "均可设置）和运行时机（策略：contingency，或作为需求响应资源的 contingency_and_dr）；空 = 使用下方旧的 "
                          "backup_* 字段"),
    "DataCenter.backup_generator_mw": "旧字段：备用发电机容量（立即启动，仅用于故障）；请改用“备用发电机”",
    "DataCenter.backup_fuel_cost_cny_per_mwh": "旧字段：备用发电燃料成本（按发电量，与备用发电机容量一起使用）",
    "DataCenter.backup_co2_t_per_mwh": "旧字段：备用发电碳排放因子（按发电量，与备用发电机容量一起使用）",
    "DataCenter.ride_through": "电压暂降穿越策略（转移至备用电源）",
    "DataCenter.weather_site": ("该主体自身气候所用的气象站（agents.weather 的键），例如全国孪生中的某个枢纽区域；默认：区域的气象站"
                                "（决定冷却 PUE/WUE 和站内光伏）"),
    # DataCenterStrategySpec
    "DataCenterStrategySpec.kind": ("决策规则：none、price_following、carbon_aware、renewable_following 或 dr_committed"
                                    "（见 docs/strategies.md）"),
    "DataCenterStrategySpec.carbon_signal": "carbon_aware：跟随平均或边际碳强度预测",
    "DataCenterStrategySpec.carbon_price_cny_per_t": "price_following：加在电价上的碳价",
    "DataCenterStrategySpec.min_signal_spread_pu": "仅在预测的（最大 − 最小）/ |平均| 达到该值的窗口内转移负载；否则负载到达即运行",
    "DataCenterStrategySpec.price_threshold_cny_per_mwh": ("price_following：可延后负载只在预测成本（电价 + 碳价 × 平均碳强度）不高于"
                                                           "该值的时段尽早运行，并在期限内移出其他时段；空 = 移到最便宜的时段"),
    "DataCenterStrategySpec.carbon_threshold_kgco2_per_kwh": ("carbon_aware：可延后负载只在预测碳强度（按碳信号）不高于该值的时段尽早"
                                                              "运行，并在期限内移出其他时段；空 = 移到碳强度最低的时段"),
    "DataCenterStrategySpec.dr_committed_mw": "dr_committed：每个事件时步承诺的 IT 削减量",
    "DataCenterStrategySpec.carry_over": ("期限晚于窗口的延后负载可留给下一窗口（下一窗口不可预见：若其没有余量，负载在期限时强制运行）；"
                                          "否：每个窗口完成自己的负载"),
    "DataCenterStrategySpec.flex": "IT 负荷的划分及转移限制",
    # DecisionPointsSpec
    "DecisionPointsSpec.every_steps": "每隔这么多步暂停一次；空 = 不定期暂停",
    "DecisionPointsSpec.events": ("暂停的命名事件：day_start = 每个模拟日的第一步；dr_event = 电网运营商调用需求响应事件后的一步"),
    # DemandResponse
    "DemandResponse.programs": "项目（触发条件、基线、补偿）",
    "DemandResponse.aggregators": "聚合商（虚拟电厂）及其成员",
    "DemandResponse.events": "电网运营商明确调用的事件",
    # DemandResponseContract
    "DemandResponseContract.seller_id": ("提供削减的聚合商（demand_response.aggregators 中的标识）或数据中心；它必须已参与项目，"
                                         "电网运营商才会调用它"),
    "DemandResponseContract.buyer_id": "购买削减量的电网运营商",
    "DemandResponseContract.capacity_mw": "承诺的削减量",
    "DemandResponseContract.capacity_payment_cny_per_mw_year": "每 MW 承诺容量每年的可用性补偿，按时步比例逐步支付",
    "DemandResponseContract.event_payment_cny_per_mwh": "按实测响应（不超过承诺）每 MWh 的补偿",
    "DemandResponseContract.penalty_cny_per_mwh": "实测响应低于调用削减量（不超过承诺）时每 MWh 的罚金",
    "DemandResponseContract.baseline_method": "衡量响应所依据的基线（agents.markets.baselines）",
    # DemandResponseEventSpec
    "DemandResponseEventSpec.program_id": "调用该事件所依据的项目",
    "DemandResponseEventSpec.start": "事件开始时间，区域当地时间",
    "DemandResponseEventSpec.end": "事件结束时间（不含），区域当地时间",
    "DemandResponseEventSpec.called_mw": "调用的削减量；空 = 各聚合商的承诺",
    "DemandResponseEventSpec.notice_h": "开始前的提前通知时间",
    # DemandResponseProgramSpec
    "DemandResponseProgramSpec.id": "项目的标识（聚合商和事件引用它）",
    "DemandResponseProgramSpec.trigger": "何时调用事件：日前电价预测高于阈值（price）或预测备用裕度低于阈值（scarcity）",
    "DemandResponseProgramSpec.price_threshold_cny_per_mwh": "电价触发：预测批发电价高于该值时调用事件",
    "DemandResponseProgramSpec.reserve_margin_threshold_pu": "稀缺触发：预测备用裕度（富余容量 / 负荷）低于该值时调用事件",
    "DemandResponseProgramSpec.notice_h": "预测（调用）与事件开始之间的提前通知时间；24 小时 = 日前邀约",
    "DemandResponseProgramSpec.min_duration_h": "被调用事件的最短时长",
    "DemandResponseProgramSpec.max_duration_h": "事件的最长时长；更长的触发时段截取其最严重的窗口",
    "DemandResponseProgramSpec.max_events_per_month": "每个日历月最多调用的事件数",
    "DemandResponseProgramSpec.baseline_method": ("响应的衡量方法：10_of_10（CAISO，含当日调整）、last_5_workdays（江苏约定响应）、"
                                                  "same_day_3_plus_2（PJM）、high_5_of_10（北京）、before_control（江苏实时响应："
                                                  "控制前 15 分钟的负荷）"),
    "DemandResponseProgramSpec.adjustment_cap_pu": "10-of-10 当日调整系数的上限，±比例（CAISO：0.2）",
    "DemandResponseProgramSpec.capacity_payment_cny_per_kw_month": "每 kW 承诺容量每个参与月的容量补偿",
    "DemandResponseProgramSpec.energy_payment_cny_per_mwh": "按实测（获补偿的）响应每 MWh 的补偿",
    "DemandResponseProgramSpec.penalty_cny_per_mwh_short": "事件期间响应低于承诺时每 MWh 不足量的考核",
    "DemandResponseProgramSpec.payment_cap_cny_per_kw": "每次事件按平均获补偿响应每 kW 计的电量补偿上限（山东 2018：30）；空 = 无上限",
    "DemandResponseProgramSpec.paid_response_cap_pu": "获补偿的响应最多为承诺电量的该比例",
    # Exports / Imports / ImportLine
    "Exports.capacity_mw": "外送上限", "Exports.price_cny_per_mwh": "外送报价",
    "Imports.capacity_mw": "外购上限", "Imports.price_cny_per_mwh": "外购报价",
    "Imports.co2_t_per_mwh": "外购电的碳排放因子；默认取区域电网因子",
    "ImportLine.id": "线路的唯一标识（字母、数字、_ . -）",
    "ImportLine.name": "线路的显示名称",
    "ImportLine.capacity_mw": "送入区域的输电容量",
    "ImportLine.renewable_share_pu": "所输送电量中可再生能源的比例",
    "ImportLine.co2_t_per_mwh": "所输送电量的碳排放因子；默认取区域电网因子",
    "ImportLine.price_cny_per_mwh": "落地电价",
    "ImportLine.scheduled": "按计划以其自身价格输送可用功率（必须接纳），而非按价格调度",
    "ImportLine.hourly_capacity_pu": "每个当地小时 0–23 的可用容量 / 容量；默认 1",
    "ImportLine.monthly_capacity_pu": "每月（1–12 月）的可用容量 / 容量；默认 1",
    "ImportLine.hourly_price_pu": "每个当地小时 0–23 的电价系数；默认 1",
    "ImportLine.monthly_price_pu": "每月（1–12 月）的电价系数；默认 1",
    # heat prices of a waste-heat purchase
    "FixedHeatPrice.kind": "类型标识：固定价格",
    "FixedHeatPrice.price_cny_per_mwh": "交付热量的价格",
    "IndexedHeatPrice.kind": "类型标识：按替代供热成本指数定价",
    "IndexedHeatPrice.factor_pu": ("买方替代供热成本（按预测价格其最便宜的自有机组，agents.ledger.alternative_heat_cost_cny_per_mwh）"
                                   "所占比例"),
    "IndexedHeatPrice.adder_cny_per_mwh": "在指数价格上的加成",
    "IndexedHeatPrice.floor_cny_per_mwh": "支付的最低价格",
    "SharedSavingsHeatPrice.kind": "类型标识：节约分成",
    "SharedSavingsHeatPrice.seller_share_pu": "买方节约中支付给卖方的比例",
    # FrequencyStudy
    "FrequencyStudy.duration_s": "事件后模拟的时长",
    "FrequencyStudy.substep_s": "摇摆方程的积分步长",
    "FrequencyStudy.dc_trip_dips": "导致数据中心脱网故障的设计故障序列中的电压暂降次数（NERC 2025：82 秒内六次故障）",
    "FrequencyStudy.dc_trip_span_s": "该序列第一次到最后一次暂降的时间",
    # GreenPpa
    "GreenPpa.seller_id": "出售其发电量的新能源电站",
    "GreenPpa.buyer_id": "购买电量的数据中心",
    "GreenPpa.shape": ("pay_as_produced：每个时步电站计量出力的签约比例；baseload：恒定的基荷功率块（出力不足部分由卖方按批发电价补足）"),
    "GreenPpa.share_pu": "签约的电站出力比例（按发电量结算）",
    "GreenPpa.baseload_mw": "签约的恒定功率（基荷曲线）",
    "GreenPpa.settlement": ("fixed：买方按执行价格支付签约电量，由电网运营商转供（冲抵买方的零售电费，并保留电站的批发收入）；"
                            "cfd：差价合约，买方每 MWh 支付（执行价格 − 批发电价）"),
    "GreenPpa.strike_price_cny_per_mwh": "合同（执行）价格",
    "GreenPpa.certificates": "绿证随电量转移（只有此时该电量才计入买方的可再生能源因子 REF）",
    "GreenPpa.certificate_price_cny_per_mwh": "绿证价格，另行支付",
    # GridOperator
    "GridOperator.other_load_mean_mw": "非数据中心负荷的均值",
    "GridOperator.other_load_daily_swing_pu": "日峰谷差的一半 / 均值",
    "GridOperator.other_load_cooling_mw_per_c": "气温高于 24 °C 时每升高 1 °C 增加的负荷",
    "GridOperator.other_load_heating_mw_per_c": "气温低于 5 °C 时每降低 1 °C 增加的负荷",
    "GridOperator.inertia_constant_s": "本地电厂的惯性时间常数 H（同步电网为空时使用）",
    "GridOperator.nominal_frequency_hz": "电网额定频率",
    "GridOperator.interconnection": "区域所在的同步电网；空 = 由本地电厂构成的孤网（惯性时间常数以发电电厂的额定容量为基准）",
    "GridOperator.frequency_study": "故障研究设置",
    # HeatDispatchStrategySpec
    "HeatDispatchStrategySpec.kind": ("day_ahead_merit_order：依据当天公开的价格和碳预测，制定每天的热源优先顺序（机组、数据中心余热、"
                                      "蓄热罐）（agents.strategies.heat_dispatch）"),
    "HeatDispatchStrategySpec.dc_heat_max_price_cny_per_mwh": ("热量报价：每 MWh 数据中心余热最多支付的价格；合同价格高于该值的时步不购买"
                                                               "数据中心余热；空 = 只要比其边际替代热源便宜就购买"),
    "HeatDispatchStrategySpec.electricity_co2_price_cny_per_t": ("对其热泵和电锅炉所用电网电力的预测碳强度计的内部碳价，在优先顺序中加在"
                                                                 "电价上（0 = 仅看电价）"),
    "HeatDispatchStrategySpec.carbon_signal": "内部碳价适用于哪种公开的碳强度预测",
    "HeatDispatchStrategySpec.soc_min_pu": "蓄热罐：最低蓄热量 / 容量",
    "HeatDispatchStrategySpec.soc_max_pu": "蓄热罐：最高蓄热量 / 容量",
    "HeatDispatchStrategySpec.soc_end_target_pu": ("蓄热罐：每天结束时蓄热量须不低于该值 / 容量；空 = 无目标（取最低荷电状态）："
                                                   "只在当天内有利可图时蓄热，从不为抵消静置损失而购热维持水位"),
    # HeatNetwork
    "HeatNetwork.name": "热网名称",
    "HeatNetwork.floor_area_m2": "供热建筑面积",
    "HeatNetwork.design_load_w_per_m2": "设计温度下的热负荷",
    "HeatNetwork.design_temp_c": "室外设计温度",
    "HeatNetwork.base_temp_c": "采暖基准（平衡点）温度",
    "HeatNetwork.supply_temp_c": "热网供水温度",
    "HeatNetwork.return_temp_c": "热网回水温度",
    "HeatNetwork.loss_pu": "与供热量成正比的热网热损失 / 供热量（另加管网散热系数所决定的随温度变化的损失）",
    "HeatNetwork.loss_ua_mw_per_k": "直埋管道的散热系数 UA：热网运行时损失 UA × ((供水 + 回水)/2 − 土壤温度)，与需求无关",
    "HeatNetwork.ground_temp_c": "管道周围的土壤温度（≈ 年平均气温 + 1–2 K）",
    "HeatNetwork.dhw_kwh_per_m2_yr": "每平方米建筑面积每年供应的生活热水热量，热网运行时按日曲线取用；0 = 热网只供采暖",
    "HeatNetwork.summer_supply_temp_c": "采暖季以外的供水温度（夏季模式：热网全年运行供生活热水，并有其损失）；空 = 采暖季以外热网停运",
    "HeatNetwork.season_start_md": "采暖季开始，月-日（MM-DD）",
    "HeatNetwork.season_end_md": "采暖季结束，月-日（MM-DD）",
    # HeatPurchase
    "HeatPurchase.seller_id": "出售回收余热的数据中心",
    "HeatPurchase.buyer_id": "购买余热的供热企业",
    "HeatPurchase.price_cny_per_mwh": "交付热量的价格",
    # HeatRecovery
    "HeatRecovery.heat_pump_capacity_mw": "向热网供热的最大功率",
    "HeatRecovery.source_temp_c": "回收余热的温度；默认取决于冷却方式",
    "HeatRecovery.sink_temp_c": "热泵提升到的热网供水温度",
    "HeatRecovery.carnot_efficiency": "达到的卡诺 COP 比例",
    "HeatRecovery.recoverable_pu": "可捕获的 IT 热量比例；默认：冷却技术的液冷占比，风冷机房为 0.9（热通道换热器）",
    "HeatRecovery.capex_cny_per_mw": "热泵及连接按每 MW 热泵容量计的投资；0 = 不评估（用于回收期指标）",
    "HeatRecovery.capex_basis": "单位投资的来源：建模假设或公开报道的数字；标注在回收期指标上（heat_recovery_payback_basis）",
    "HeatRecovery.heat_pump_owner": ("热泵由谁拥有并出资。data_center：其用电计入数据中心边界（PUE、REF、CUE、成本、电网取电），"
                                     "数据中心以热网温度交付热量；heat_utility / third_party：其用电归所有者，数据中心以热源温度交付热量"
                                     "（见 docs/model.md“KPI boundary”）"),
    # HeatTankSpec
    "HeatTankSpec.capacity_mwh_th": "可用蓄热容量",
    "HeatTankSpec.charge_capacity_mw_th": "流入蓄热罐的最大热功率",
    "HeatTankSpec.discharge_capacity_mw_th": "流出蓄热罐的最大热功率",
    "HeatTankSpec.standing_loss_pu_per_h": "每小时损失的蓄热量比例（大型热水罐 ≈ 0.2–1 %/h）",
    "HeatTankSpec.soc_initial_pu": "开始时的蓄热量 / 容量",
    # HeatUnit
    "HeatUnit.kind": "供热技术",
    "HeatUnit.capacity_mw": "供热出力容量",
    "HeatUnit.efficiency_pu": "供热量 / 燃料（或电力）输入；热电联产为供热效率 η_th（≤ 1）",
    "HeatUnit.fuel_price_cny_per_mwh": "每 MWh 燃料能量的燃料价格",
    "HeatUnit.fuel_co2_t_per_mwh": "燃料碳排放因子（按燃料能量）",
    "HeatUnit.power_to_heat_ratio": "热电联产的发电量 / 供热量 σ；未设发电效率时 η_el = σ × η_th",
    "HeatUnit.electrical_efficiency_pu": "热电联产的发电量 / 燃料输入 η_el；η_el + η_th ≤ 1",
    "HeatUnit.carnot_efficiency": "空气源热泵达到的卡诺 COP 比例",
    # HeatUtility
    "HeatUtility.strategy": ("如何决策（agents.strategies，见 docs/strategies.md）：none = 每天依据公开预测按默认参数制定优先顺序；"
                             "day_ahead_merit_order = 同上，另含其热量报价（数据中心余热的最高收购价）、内部碳价和蓄热罐范围，"
                             "运行中的决策可以修改这些参数"),
    "HeatUtility.networks": "其供热的区域热网",
    "HeatUtility.units": "自有热源机组",
    "HeatUtility.heat_price_cny_per_mwh": "零售热价",
    "HeatUtility.chp_co2_allocation": ("热电联产的燃料 CO₂（及燃料成本）如何在电和热之间分摊：energy（按能量产出）、exergy（热量按卡诺因子加权）"
                                       "或 efficiency（芬兰收益分享法，以分产的参考效率计算）；见 docs/physics.md"),
    "HeatUtility.reference_power_efficiency_pu": "效率法：分产发电的参考效率",
    "HeatUtility.reference_heat_efficiency_pu": "效率法：分产供热的参考效率",
    "HeatUtility.exergy_reference_temp_c": "㶲法：参考环境温度 T_0",
    "HeatUtility.heat_storage": ("其热网中的热水蓄热罐（蓄热容量、蓄热 / 放热功率 [MW_th]、静置损失 [1/h]、初始蓄热量）；当天调度在热价低时"
                                 "蓄热、热价高时放热（agents.strategies.heat_dispatch）；空 = 无蓄热罐"),
    # Horizon
    "Horizon.start": "第一步的开始时间，ISO 8601 区域当地时间，例如 2025-01-01T00:00（日历日期，年份 1900–2200）",
    "Horizon.steps": "步数",
    "Horizon.dt_h": "步长：1 或 0.25",
    # HourRange
    "HourRange.start_h": "时段的第一个小时，当地时间",
    "HourRange.end_h": "时段结束的小时（不含），当地时间",
    # Interconnection
    "Interconnection.name": "同步电网的名称",
    "Interconnection.inertia_constant_s": "该电网中在线同步机组的惯性时间常数 H，以其额定容量为基准",
    "Interconnection.synchronous_capacity_mva": "典型小时在线同步机组的额定容量 S",
    "Interconnection.load_mw": "典型小时该电网的负荷",
    "Interconnection.load_damping_pu": "负荷阻尼 D：频率每变化 1 % 负荷变化的百分比",
    "Interconnection.droop_pu": "调速器调差系数 R",
    "Interconnection.governor_share_pu": "参与一次（调差）调频的在线同步容量比例",
    "Interconnection.governor_lag_s": "调速器 / 汽轮机响应的时间常数（一阶惯性）",
    "Interconnection.primary_reserve_mw": "调速器可调用的一次（频率遏制）备用，每个方向",
    "Interconnection.largest_hvdc_infeed_mw": "向区域送入外购电的最大直流线路的额定容量（外购电优先经其输送）；0 = 无",
    "Interconnection.follow_region_load": "每步按区域负荷 / 其时段均值缩放该电网的负荷和在线同步容量",
    # Markets
    "Markets.clearing_rule": "价格形成：批发市场规则，以及用户支付分时电价（tou_tariff）还是批发电价",
    "Markets.price_cap_cny_per_mwh": "价格上限",
    "Markets.price_floor_cny_per_mwh": "价格下限",
    "Markets.carbon_price_cny_per_t": "加在报价上的碳价",
    "Markets.reserve_requirement_pu": "作为备用保留的可调度容量 / 负荷",
    "Markets.value_of_lost_load_cny_per_mwh": "系统成本中未供电量的成本",
    "Markets.imports": "外购电线路（列表），或一条旧式联络线（对象）",
    "Markets.exports": "联络线外送",
    "Markets.wholesale_buyers": "按批发电价购电的用户类型（直接参与市场的用户）；其余用户支付零售电价。独立储能始终按批发电价交易",
    # strategy kinds without parameters
    "NetLoadBatteryStrategySpec.kind": "策略种类：net_load = 削减净负荷峰值",
    "NoStrategySpec.kind": "策略种类：none = 内置行为",
    "TouBatteryStrategySpec.kind": "策略种类：tou = 谷段充电、峰段放电",
    # PowerPlant
    "PowerPlant.fuel": "燃料 / 技术",
    "PowerPlant.capacity_mw": "净容量",
    "PowerPlant.marginal_cost_cny_per_mwh": "燃料及可变成本",
    "PowerPlant.min_load_pu": "最小稳定出力 / 容量",
    "PowerPlant.ramp_pu_per_h": "每小时爬坡上限 / 容量",
    "PowerPlant.co2_t_per_mwh": "CO₂ 排放因子（按发电量）",
    "PowerPlant.forced_outage_rate_pu": "强迫停运时间占比",
    "PowerPlant.mean_outage_h": "一次强迫停运的平均时长",
    "PowerPlant.commitment": ("机组组合：day_ahead = 由运营商每天安排启停（agents.markets.commitment；可能停机），"
                              "must_run = 可用时始终开机"),
    "PowerPlant.min_up_h": "启动后的最短开机时间",
    "PowerPlant.min_down_h": "停机后的最短停机时间",
    "PowerPlant.start_up_cost_cny_per_mw": "每 MW 容量一次启动的成本（燃料和损耗）",
    "PowerPlant.must_run_season_md": ("[开始, 结束] 当地日期 MM-DD（均含，可跨年），日前机组在该季节必须开机，"
                                      "例如采暖季中以热定电的热电联产机组"),
    # Region
    "Region.name": "区域名称",
    "Region.name_zh": "区域的中文名称，在中文页面上显示（可选；为空则显示名称）",
    "Region.lat": "区域中心的纬度",
    "Region.lon": "区域中心的经度",
    "Region.tz": "当地时钟的 IANA 时区",
    "Region.weather_site": "气象站的键（agents.weather），例如 'shanghai'",
    "Region.grid_co2_t_per_mwh": "周边电网（外购电）的碳排放因子",
    "Region.tariff": "分时电价",
    # RenewablePlant
    "RenewablePlant.technology": "pv（pvlib）或 wind（windpowerlib 功率曲线）",
    "RenewablePlant.capacity_mw": "铭牌容量",
    "RenewablePlant.tilt_deg": "光伏组件倾角；默认取接近该纬度最佳的值",
    "RenewablePlant.azimuth_deg": "光伏方位角，180 = 正南",
    "RenewablePlant.turbine_type": "带功率曲线的 windpowerlib 风机型号",
    "RenewablePlant.hub_height_m": "风机轮毂高度",
    "RenewablePlant.roughness_length_m": "对数风廓线所用的地表粗糙度长度",
    "RenewablePlant.marginal_cost_cny_per_mwh": "报价",
    "RenewablePlant.owner_id": ("拥有该电站的数据中心（其发电量计入该数据中心的可再生能源因子，ISO/IEC 30134-3）；空 = 归第三方所有"),
    "RenewablePlant.weather_site": ("该主体自身气候所用的气象站（agents.weather 的键），例如全国孪生中的某个枢纽区域；默认：区域的气象站"
                                    "（决定光伏和风电出力）"),
    # RideThrough
    "RideThrough.transfer_after_dips": ("站点在暂降计数窗口内经历这么多次电压暂降后将负荷转移到备用电源；空 = 穿越所有暂降序列"
                                        "（NERC 2025，北弗吉尼亚：一分钟内三次）"),
    "RideThrough.dip_window_s": "统计暂降次数的时间窗口",
    "RideThrough.transfer_delay_s": "从凑足次数的那次暂降到负荷离开电网的时间",
    "RideThrough.backup_hold_h": "转移后在备用电源上运行、开始返回电网之前的时间",
    "RideThrough.return_ramp_h": "负荷从备用电源线性返回电网的持续时间",
    # SiteBackupSpec
    "SiteBackupSpec.technology": "柴油发电机组、燃气内燃机或氢（PEM）燃料电池",
    "SiteBackupSpec.capacity_mw": "额定电出力",
    "SiteBackupSpec.fuel_cost_cny_per_mwh": "每 MWh 发电量的燃料成本；空 = 该技术的默认值（见 docs/strategies.md“Backup generators”）",
    "SiteBackupSpec.co2_t_per_mwh": "每 MWh 发电量在使用地点排放的 CO₂；空 = 该技术的默认值",
    "SiteBackupSpec.start_up_time_s": "从启动信号到带负荷的时间；空 = 该技术的默认值",
    "SiteBackupSpec.min_run_time_h": "启动后的最短运行时间；空 = 该技术的默认值",
    "SiteBackupSpec.strategy": ("发电机何时运行：contingency（仅在站点电网故障时）或 contingency_and_dr（还作为需求响应资源，"
                                "见 docs/model.md“Backup generators”）"),
    # Storage
    "Storage.strategy": ("电池如何决策（agents.strategies，见 docs/strategies.md）：none = 按其电池策略规则；tou / net_load = 该规则"
                         "（覆盖电池策略）；arbitrage / peak_shaving / tou_rule / net_load_rule = 每天依据公开电价预测制定的计划"
                         "（agents.strategies.storage_schedule）"),
    "Storage.battery": "电池参数",
    "Storage.owner_id": ("拥有该电池的数据中心（其储存的、来自该数据中心自有电站的可再生电量计入该数据中心的可再生能源因子）；空 = 归第三方所有"),
    "Storage.behind_meter": ("是（需要所有者）：电池位于其所有者数据中心的表后——其功率计入该数据中心的电网取电、成本和 KPI，"
                             "从不经数据中心向外送电，计划策略依据数据中心支付的电价及其自身净负荷安排它；否：按批发电价交易的电网侧储能"),
    # StorageService
    "StorageService.seller_id": "提供电池的储能主体",
    "StorageService.buyer_id": "用户：数据中心、供热企业或电网运营商",
    "StorageService.kind": "capacity_lease：按每 MW 每月收费；tolling：按每 MWh 放电量收费。两种方式下用户都获得其电池份额的市场价值",
    "StorageService.capacity_mw": "租用或代放电的功率（其在电池功率容量中的份额）",
    "StorageService.lease_cny_per_mw_month": "容量租赁费",
    "StorageService.tolling_fee_cny_per_mwh": "用户份额每放电 1 MWh 的服务费",
    # StorageStrategySpec
    "StorageStrategySpec.kind": ("tou_rule：低于窗口平均预测电价时充电、高于时放电；net_load_rule：使预测净负荷趋向其窗口均值；"
                                 "arbitrage：按预测电价使收益最大化的线性规划；peak_shaving：套利，另加峰值权重 × 窗口内预测净负荷 + "
                                 "电池功率的峰值"),
    "StorageStrategySpec.soc_min_pu": "计划可达到的最低荷电量 / 储能容量",
    "StorageStrategySpec.soc_max_pu": "计划可达到的最高荷电量 / 储能容量",
    "StorageStrategySpec.soc_end_target_pu": "窗口结束时荷电量须不低于该值 / 储能容量；空 = 窗口开始时的荷电状态（相邻日期衔接而不耗尽电池）",
    "StorageStrategySpec.cycle_limit_per_window": "每个窗口最多的满容量放电次数：电池侧放电量 ≤ 该值 × 储能容量；空 = 无限制",
    "StorageStrategySpec.degradation_cost_cny_per_mwh": "每 MWh 电网侧吞吐量（充电 + 放电）的损耗成本",
    "StorageStrategySpec.peak_weight_cny_per_mw": "peak_shaving：窗口内预测净负荷 + 电池功率的峰值每 MW 的成本；其他种类忽略",
    "StorageStrategySpec.peak_scope": ("peak_shaving：own = 每块电池削减其所见的净负荷（其站点）；shared = 该策略的所有电池共同削减"
                                       "同一净负荷（区域的）"),
    "StorageStrategySpec.reserve_mw": ("提供的备用容量：每步在两个方向都保留的余量（功率和能量）；运行中每步报给电网运营商（荷电状态可在"
                                       "备用持续时间内提供的量），被接受时获得补偿（agents.markets.reserve）"),
    "StorageStrategySpec.reserve_duration_h": "所报备用须能持续提供的时间（能量余量 = 备用容量 × 该值）",
    "StorageStrategySpec.reserve_price_cny_per_mw_h": "所报备用容量的要价；被接受的报价按边际被接受报价的价格获得补偿",
    "StorageStrategySpec.tou_band_pu": "tou_rule：预测电价在窗口均值 ± 该比例以内视为平段（不动作）",
    # Tariff
    "Tariff.flat_price_cny_per_mwh": "平段电度电价",
    "Tariff.peak_ratio": "峰段电价 / 平段电价",
    "Tariff.valley_ratio": "谷段电价 / 平段电价",
    "Tariff.peak_hours": "峰段时段，当地时间",
    "Tariff.valley_hours": "谷段时段，当地时间",
    # GridOutage
    "GridOutage.type": "类型标识：该事件的种类",
    "GridOutage.at": "停电开始时间，ISO 8601 区域当地时间，须在时步边界上",
    "GridOutage.duration_h": "电网停电的持续时间，须为整数个时步；超出模拟时段末尾的部分在末尾截断",
    "GridOutage.data_center_ids": "失去电网供电的数据中心；空 = 区域内所有数据中心",
    # VoltageDips
    "VoltageDips.type": "类型标识：该事件的种类",
    "VoltageDips.at": "第一次暂降的时间，ISO 8601 区域当地时间",
    "VoltageDips.count": "暂降次数",
    "VoltageDips.span_s": "第一次到最后一次暂降的时间",
    "VoltageDips.data_center_ids": "经历这些暂降的数据中心；空 = 区域内所有数据中心",
    # WasteHeatPurchase
    "WasteHeatPurchase.seller_id": "出售回收余热的数据中心",
    "WasteHeatPurchase.buyer_id": "购买余热的供热企业",
    "WasteHeatPurchase.pricing": "热量定价方式：固定价格、指数定价或节约分成",
    "WasteHeatPurchase.take_or_pay_min_mwh_per_year": ("买方每年至少支付的热量（按模拟时段折算）；不足部分按照付不议价格比例 × 合同平均价格，"
                                                       "在最后一步结算"),
    "WasteHeatPurchase.take_or_pay_price_pu": "不足部分每 MWh 按合同平均价格的该比例支付",
    "WasteHeatPurchase.heat_pump": "数据中心的热泵：出资方、投资、寿命、运行成本；空 = 不在合同内",
    "WasteHeatPurchase.pipe": "接入热网的连接管道：出资方、投资、寿命、运行成本；空 = 不在合同内",
    # WorkloadFlexSpec
    "WorkloadFlexSpec.deferrable_pu": "随负荷变化的 IT 功率（空载以上部分）中属于可延后批处理 / 训练负载的比例",
    "WorkloadFlexSpec.migratable_pu": "随负荷变化的 IT 功率中可在其他区域运行的比例",
    "WorkloadFlexSpec.deadline_h": "可延后负载的期限窗口：某一步到达的负载须在这么多小时内完成",
    "WorkloadFlexSpec.max_deferral_pu": "一步中最多可延后的可延后功率，以 IT 容量为基准；其余到达即运行",
    "WorkloadFlexSpec.capacity_headroom_pu": "延后的负载在一步中最多可在未转移的 IT 负荷之上增加的 IT 功率，以 IT 容量为基准；从不超过 IT 容量",
    # a multi-region document (agents.multi_region_json_schema): its top level and its own parts
    "MultiRegion.schema_version": "情景模式版本", "MultiRegion.name": "情景名称", "MultiRegion.description": "自由文本",
    "MultiRegion.name_zh": "情景的中文名称，在名称未修改时于中文页面上显示（可选；为空则显示名称）；仅用于显示，模型不使用",
    "MultiRegion.description_zh": "说明的中文版本，在中文页面上显示（可选；为空则显示说明）；仅用于显示",
    "MultiRegion.horizon": "所有区域共用的模拟时段：开始时间（各区域的当地时间，它们共用一个时区）、步数、步长",
    "MultiRegion.seed": "随机种子（每个区域由它派生自己的种子）",
    "MultiRegion.regions": "各区域，各有自己的天气、电网、市场和价格",
    "MultiRegion.links": "在区域之间输送可迁移负载的有向链路",
    "MultiRegion.migration": "可迁移负载如何在区域之间迁移（agents.strategies.migration）",
    "MultiRegion.decision_points": ("整个运行在何处暂停，等待人工决策（每 N 步、day_start、任一区域的 dr_event；"
                                    "agents.multi_region_decisions）"),
    "LinkSpec.id": "链路的唯一标识（字母、数字、_ -）", "LinkSpec.name": "显示名称",
    "LinkSpec.name_zh": "中文显示名称，在中文页面上显示（可选；为空则显示名称）；仅用于显示",
    "LinkSpec.from_region": "负载迁出区域的标识", "LinkSpec.to_region": "负载迁入区域的标识",
    "LinkSpec.work_capacity_mw": "链路在一步中最多输送的负载 IT 功率，在迁出端计量",
    "LinkSpec.loss_pu": ("每 MWh 迁移负载在目的地额外消耗的 IT 电量：在网络上传输数据、检查点和状态。默认 0.02 是一个假设 [A]"
                         "（fixtures/README.md：量级取自 Aslan 等 2018，2015 年约 0.06 kWh/GB，约每 2 年减半）"),
    "LinkSpec.latency_ms": "链路的往返网络时延 [ms]",
    "LinkSpec.latency_class": "链路可输送的负载：interactive（时延低到可承载在线流量；也输送批处理负载）或 batch（仅批处理和训练负载）",
    "MigrationSpec.kind": ("决策规则：none（负载留在本地）、price（日前电价）、carbon（平均或边际碳强度预测）、"
                           "cost_and_carbon（电价 + 碳价 × 碳强度）"),
    "MigrationSpec.carbon_signal": "carbon / cost_and_carbon：跟随平均或边际碳强度预测",
    "MigrationSpec.carbon_price_cny_per_t": "cost_and_carbon：加在电价上的碳价",
    "MigrationSpec.min_saving_pu": "仅当每迁移 1 MW 的节约不低于迁出地每 MW 成本的该比例时，才在该步迁移负载（阈值）",
    "RegionEntry.id": "区域的唯一标识（字母、数字、_ -）", "RegionEntry.description": "关于该区域的自由文本",
    "RegionEntry.region": "区域：位置、时区、气象站、电网碳排放因子、电价", "RegionEntry.actors": "区域内的主体",
    "RegionEntry.markets": "该区域的市场规则", "RegionEntry.contracts": "区域内的双边合同",
    "RegionEntry.events": "该区域的电网事件（电压暂降）", "RegionEntry.demand_response": "需求响应项目、聚合商和事件调用",
}

# Descriptions of inline schemas inside a field (the options of a union, the items of a list), by their English text;
# the Chinese form leaves out any other (the field's own help says it).
INLINE_HELP_ZH = {
    "Id of an actor (letters, digits, _ . -)": "主体的标识（字母、数字、_ . -）",
    "Unique id of the actor (letters, digits, _ . -)": "主体的唯一标识（字母、数字、_ . -）",
}

# ---------------------------------------------------------------------------------------------------- parts

# Titles of the schema's parts ($defs), shown as the headings of nested forms and the options of a union.
DEF_TITLES = {  # $defs name → (English, Chinese)
    "AggregatorSpec": ("Aggregator", "聚合商"), "BackupStrategySpec": ("Backup operation", "备用发电运行规则"),
    "Battery": ("Battery", "电池"), "ColdStorageSpec": ("Cold storage", "蓄冷装置"),
    "ContractAsset": ("Asset", "资产"), "DataCenter": ("Data center", "数据中心"),
    "DataCenterStrategySpec": ("Workload strategy", "负载调度策略"), "DecisionPointsSpec": ("Decision points", "决策点"),
    "DemandResponse": ("Demand response", "需求响应"),
    "DemandResponseContract": ("Demand-response commitment", "需求响应合同"),
    "DemandResponseEventSpec": ("Demand-response event", "需求响应事件"),
    "DemandResponseProgramSpec": ("Demand-response program", "需求响应项目"), "Exports": ("Exports", "外送电"),
    "FixedHeatPrice": ("Fixed price", "固定价格"), "FrequencyStudy": ("Frequency study", "频率研究"),
    "GreenPpa": ("Green PPA", "绿电购电协议（PPA）"), "GridOperator": ("Grid operator", "电网运营商"),
    "HeatDispatchStrategySpec": ("Heat dispatch strategy", "供热调度策略"), "HeatNetwork": ("Heat network", "热网"),
    "HeatPurchase": ("Heat purchase (fixed price)", "购热合同（固定价格）"), "HeatRecovery": ("Heat recovery", "余热回收"),
    "HeatTankSpec": ("Heat tank", "蓄热罐"), "HeatUnit": ("Heat unit", "热源机组"), "HeatUtility": ("Heat utility", "供热企业"),
    "Horizon": ("Horizon", "模拟时段"), "HourRange": ("Hours", "时段"), "ImportLine": ("Import line", "外购电线路"),
    "Imports": ("Imports (one interconnector)", "外购电（单条联络线）"),
    "IndexedHeatPrice": ("Indexed to the alternative heat cost", "按替代供热成本指数定价"),
    "Interconnection": ("Synchronous area", "同步电网"), "Markets": ("Markets", "市场"),
    "NetLoadBatteryStrategySpec": ("Net-load peak shaving", "削减净负荷峰值"),
    "NoStrategySpec": ("Built-in behaviour", "内置行为"), "PowerPlant": ("Power plant", "常规电厂"),
    "Region": ("Region", "区域"), "RenewablePlant": ("Renewable plant", "新能源电站"),
    "RideThrough": ("Voltage-dip ride-through", "电压暂降穿越"),
    "SharedSavingsHeatPrice": ("Shared savings", "节约分成"), "SiteBackupSpec": ("Backup generators", "备用发电机"),
    "Storage": ("Storage", "储能电站"), "StorageService": ("Storage service", "储能服务合同"),
    "StorageStrategySpec": ("Storage schedule", "储能计划策略"), "Tariff": ("Time-of-use tariff", "分时电价"),
    "TouBatteryStrategySpec": ("Time-of-use rule", "分时电价规则"), "VoltageDips": ("Voltage dips", "电压暂降"),
    "GridOutage": ("Grid outage", "电网停电"),
    "WasteHeatPurchase": ("Waste-heat purchase", "余热购买合同"), "WorkloadFlexSpec": ("Workload flexibility", "负载灵活性"),
    # the multi-region schema's own parts
    "LinkSpec": ("Link", "区域间链路"), "MigrationSpec": ("Migration", "负载迁移"), "RegionEntry": ("Region", "区域"),
}

# Titles of the options of a union that are no $defs part (by JSON type), and of "none".
OPTION_TITLES = {  # JSON type → (English, Chinese)
    "null": ("none", "无"), "string": ("Rule", "规则"), "number": ("Value", "数值"), "integer": ("Value", "数值"),
    "array": ("List", "列表"), "object": ("Settings", "设置"), "boolean": ("Yes/no", "是/否"),
}

# ---------------------------------------------------------------------------------------------------- values

# Display titles of enumerated values: by ``Owner.field`` (a table of its own) or by value (shared).
ENUM_TITLES: dict[str, dict] = {
    "AggregatorSpec.allocation": {"pro_rata": ("Pro rata", "按比例分配"), "merit_order": ("Merit order", "按报价优先")},
    "BackupStrategySpec.kind": {"contingency": ("Contingency only", "仅用于故障"),
                                "contingency_and_dr": ("Contingency and demand response", "故障及需求响应")},
    "ContractAsset.payer": {"seller": ("Seller", "卖方"), "buyer": ("Buyer", "买方")},
    "DataCenter.accelerator": {"cpu": ("CPU", "CPU"), "A100": ("NVIDIA A100", "NVIDIA A100"),
                               "H100": ("NVIDIA H100", "NVIDIA H100")},
    "DataCenter.workload": {"online_diurnal": ("Online services (daily cycle)", "在线业务（日周期）"),
                            "training_flat": ("AI training (flat)", "AI 训练（平稳）"), "batch": ("Batch", "批处理")},
    "DataCenter.cooling": {
        "chiller_tower": ("Chillers and cooling towers", "冷水机组 + 冷却塔"),
        "indirect_evaporative": ("Indirect evaporative", "间接蒸发冷却"),
        "direct_to_chip": ("Direct-to-chip liquid", "冷板式液冷"), "immersion": ("Immersion", "浸没式液冷"),
        "liquid_air_hybrid": ("Liquid–air hybrid", "液冷风冷混合"), "air_free_cooling": ("Air free cooling", "风侧自然冷却")},
    "DataCenterStrategySpec.kind": {
        "none": ("None (run on arrival)", "无（到达即运行）"), "price_following": ("Price-following", "跟随电价"),
        "carbon_aware": ("Carbon-aware", "碳感知"), "renewable_following": ("Renewable-following", "跟随新能源"),
        "dr_committed": ("Demand-response commitment", "需求响应承诺")},
    "DecisionPointsSpec.events": {"day_start": ("Start of each day", "每天开始"),
                                  "dr_event": ("Demand-response event", "需求响应事件")},
    "DemandResponseProgramSpec.trigger": {"price": ("Price", "电价"), "scarcity": ("Scarcity", "备用稀缺")},
    "baseline_method": {
        "10_of_10": ("10 of 10 (CAISO)", "10 取 10（CAISO）"), "last_5_workdays": ("Last 5 workdays (Jiangsu)",
                                                                                 "前 5 个工作日（江苏）"),
        "same_day_3_plus_2": ("Same day 3+2 (PJM)", "当日 3+2（PJM）"),
        "high_5_of_10": ("High 5 of 10 (Beijing)", "10 取高 5（北京）"),
        "before_control": ("Load before control (Jiangsu real-time)", "控制前负荷（江苏实时）")},
    "GreenPpa.shape": {"pay_as_produced": ("Pay as produced", "按发电量"), "baseload": ("Baseload", "基荷")},
    "GreenPpa.settlement": {"fixed": ("Fixed price (sleeved)", "固定价格（转供）"),
                            "cfd": ("Contract for difference", "差价合约")},
    "GridOperator.nominal_frequency_hz": {50.0: ("50 Hz", "50 Hz"), 60.0: ("60 Hz", "60 Hz")},
    "carbon_signal": {"average": ("Average", "平均碳强度"), "marginal": ("Marginal", "边际碳强度")},
    "HeatRecovery.capex_basis": {"assumption": ("Assumption", "假设"), "reported": ("Reported", "公开报道")},
    "HeatRecovery.heat_pump_owner": {"data_center": ("Data center", "数据中心"), "heat_utility": ("Heat utility", "供热企业"),
                                     "third_party": ("Third party", "第三方")},
    "HeatUnit.kind": {"gas_boiler": ("Gas boiler", "燃气锅炉"), "coal_boiler": ("Coal boiler", "燃煤锅炉"),
                      "chp": ("Combined heat and power (CHP)", "热电联产"),
                      "air_source_heat_pump": ("Air-source heat pump", "空气源热泵"),
                      "electric_boiler": ("Electric boiler", "电锅炉")},
    "HeatUtility.chp_co2_allocation": {"energy": ("Energy method", "能量法"), "exergy": ("Exergy method", "㶲法"),
                                       "efficiency": ("Efficiency (benefit-sharing) method", "效率法（收益分享）")},
    "Horizon.dt_h": {1.0: ("1 h", "1 小时"), 0.25: ("15 min", "15 分钟")},
    "Markets.clearing_rule": {"pay_as_clear": ("Pay as clear", "统一出清价"), "pay_as_bid": ("Pay as bid", "按报价支付"),
                              "tou_tariff": ("Time-of-use tariff", "分时电价")},
    "Markets.wholesale_buyers": {"data_center": ("Data centers", "数据中心"), "heat_utility": ("Heat utilities", "供热企业")},
    "PowerPlant.fuel": {"coal": ("Coal", "煤电"), "gas": ("Gas", "气电"), "hydro": ("Hydro", "水电"),
                        "nuclear": ("Nuclear", "核电"), "biomass": ("Biomass", "生物质"), "oil": ("Oil", "燃油")},
    "PowerPlant.commitment": {"day_ahead": ("Day-ahead commitment", "日前启停"), "must_run": ("Must-run", "必开")},
    "RenewablePlant.technology": {"pv": ("Solar PV", "光伏"), "wind": ("Wind", "风电")},
    "SiteBackupSpec.technology": {"diesel": ("Diesel genset", "柴油发电机组"), "gas_engine": ("Gas engine", "燃气内燃机"),
                                  "h2_fuel_cell": ("Hydrogen fuel cell", "氢燃料电池")},
    "StorageService.kind": {"capacity_lease": ("Capacity lease", "容量租赁"), "tolling": ("Tolling", "按放电量收费")},
    "StorageStrategySpec.kind": {"tou_rule": ("Time-of-use rule", "分时电价规则"),
                                 "net_load_rule": ("Net-load rule", "净负荷规则"),
                                 "arbitrage": ("Arbitrage", "套利"), "peak_shaving": ("Peak shaving", "削峰")},
    "StorageStrategySpec.peak_scope": {"own": ("Own site", "本站点"), "shared": ("Shared (the region)", "共享（全区域）")},
    "Battery.strategy": {"tou": ("Time-of-use", "分时电价"), "net_load": ("Net-load peak shaving", "削减净负荷峰值")},
    "LinkSpec.latency_class": {"interactive": ("Interactive", "交互式"), "batch": ("Batch", "批处理")},
    "MigrationSpec.kind": {"none": ("None (work stays home)", "无（负载留在本地）"), "price": ("Price-following", "跟随电价"),
                           "carbon": ("Carbon-aware", "碳感知"), "cost_and_carbon": ("Cost and carbon", "成本与碳")},
}

# Chinese help of the schema's parts that carry a description (their docstring): the heading help of a nested form.
DEF_HELP_ZH = {
    "AggregatorSpec": "需求响应聚合商（虚拟电厂）及其聚合的成员。",
    "BackupStrategySpec": "备用发电机何时运行（数据中心的 backup.strategy）。",
    "ColdStorageSpec": "某数据中心冷冻水或液冷回路中的蓄冷装置及其规则。",
    "ContractAsset": "合同所需的资产（热泵、管道）：由谁出资、投资多少、寿命多长。",
    "DataCenterStrategySpec": "数据中心的负载调度器跟随哪种信号，及其参数。",
    "DecisionPointsSpec": "运行在何处暂停，等待决策（情景字段 decision_points）。",
    "DemandResponse": ("电网运营商运行的需求响应项目、参与项目的聚合商以及明确调用的事件（agents.markets.demand_response、"
                       "agents.markets.aggregator；由 agents.dr_desk 连接）。"),
    "DemandResponseContract": "聚合商或数据中心向电网运营商承诺削减负荷。",
    "DemandResponseEventSpec": "电网运营商明确调用的事件（情景中固定的调用），按当地时间。",
    "DemandResponseProgramSpec": "电网运营商运行的需求响应项目条款（触发条件、基线、补偿、考核）。",
    "FixedHeatPrice": "每 MWh 交付热量的固定价格。",
    "FrequencyStudy": "每步故障研究的设置（失去最大馈入、直流闭锁、数据中心脱网）。",
    "GreenPpa": "数据中心购买新能源电站的发电量（绿电购电协议）。",
    "HeatDispatchStrategySpec": "供热企业如何安排每天的调度（该主体的 strategy 字段；运行中的决策可以修改它）。",
    "HeatPurchase": "旧式固定价格购热合同（模式 1）：等同于定价方式为固定价格的余热购买合同。",
    "HeatRecovery": "通过热泵将 IT 余热提升到热网供水温度的余热回收。",
    "HeatTankSpec": "供热企业热水蓄热罐的物理参数。",
    "HeatUnit": ("热源机组。热电联产机组将燃料转化为热（η_th = 效率）和电（η_el = 发电效率，或热电比 × η_th）；"
                 "η_el + η_th ≤ 1（热力学第一定律）。"),
    "HourRange": "当地时间的每日时段 [开始小时, 结束小时)；结束小时小于开始小时表示跨越午夜。",
    "ImportLine": ("送入区域的一条联络线，有其自身的电源结构、容量曲线和电价曲线。可用功率 = 容量 × 逐时可用容量系数[当地小时] × "
                   "逐月可用容量系数[月份]；电价 = 价格 × 逐时电价系数 × 逐月电价系数（送出地区的电价形状）。按计划送电的线路按计划输送"
                   "其可用功率（以价格下限报价，如同必开机组，并按其自身价格结算）；否则按其价格（加 CO₂ × 碳价）进入优先顺序，"
                   "并按出清规则像其他报价一样结算。"),
    "Imports": "旧式单条联络线（模式 ≤ 1 的文档）：读作一条标识为 imports 的外购电线路。",
    "IndexedHeatPrice": "价格 = 系数 × 买方该时步的替代供热成本 + 加成，且不低于最低价格。",
    "Interconnection": ("区域所属的同步电网：惯量、负荷和一次调频响应。各算例的数据和来源见 fixtures/README.md"
                        "（“Interconnections”）。频率研究（agents.physics.frequency.simulate_contingency）对区域的每个故障使用这些数据。"),
    "Markets": ("市场规则。调度始终按优先顺序；出清规则决定支付给卖方的批发电价（pay_as_clear / tou_tariff：统一边际价格；"
                "pay_as_bid：各按其报价）以及用户支付的零售电价（tou_tariff：区域的分时电价；否则为传导的批发电价）。"
                "见 docs/model.md 的 Markets 一节。"),
    "NetLoadBatteryStrategySpec": "电池规则：逐日削减其所见净负荷的峰值、填补其低谷。",
    "NoStrategySpec": "该主体遵循模型的内置行为（docs/model.md），不依据信号做决策。",
    "RideThrough": "数据中心如何应对电网电压暂降（其 UPS / 切换开关保护）。",
    "SharedSavingsHeatPrice": ("价格 = 每 MWh 为买方节约的金额（替代供热成本 − 买方拥有热泵时每 MWh 自有热泵的用电成本）中卖方的分成，"
                               "不为负。"),
    "SiteBackupSpec": "数据中心的备用发电机（情景字段 backup）：技术及其默认值和覆盖值（BackupGeneratorSpec），以及运行时机（strategy）。",
    "StorageService": "储能所有者将其部分电池的使用权出售给用户。",
    "StorageStrategySpec": "电池如何决定其计划（该主体的 strategy 字段）。",
    "Tariff": "分时电价：电价 = 平段电价 × 每小时所在时段（峰、平或谷）的倍率。",
    "TouBatteryStrategySpec": "电池规则：谷段满功率充电，峰段放电（区域的分时电价）。",
    "GridOutage": ("为数据中心供电的电网自“时间”起停电“停电时长”：站点不从电网取电，备用发电机启动并尽其所能带负荷，"
                   "站点其余部分断电（agents.outages）。与天气一样是外生的：没有主体为其做计划。"),
    "VoltageDips": "输电网上的故障序列：在时间跨度内均匀分布的若干次电压暂降。穿越策略被突破的数据中心转至备用电源（agents.events）。",
    "WasteHeatPurchase": "供热企业购买数据中心回收的余热（按热网温度交付）。",
    "WorkloadFlexSpec": "数据中心的 IT 负荷如何分为在线、可延后和可迁移负载，以及可转移的范围。",
    "LinkSpec": "两个区域之间输送可迁移数据中心负载的有向链路。",
    "MigrationSpec": "多区域协调器如何决定可迁移负载在何处运行（docs/strategies.md）。",
    "RegionEntry": "多区域情景中的一个区域：标识和一个单区域情景主体。",
}


def english_sources() -> dict[str, str]:
    """``{"Owner.field" | "$defs.Owner": English description}`` of the scenario and multi-region schemas: what the
    Chinese help texts translate."""
    from agents import multi_region_json_schema, scenario_json_schema

    out: dict[str, str] = {}
    for schema, top in ((scenario_json_schema(), ""), (multi_region_json_schema(), "MultiRegion")):
        for name, prop in schema["properties"].items():
            out[f"{top}.{name}"] = prop.get("description", "")
        for def_name, node in schema["$defs"].items():
            out.setdefault(f"$defs.{def_name}", node.get("description", ""))
            for name, prop in (node.get("properties") or {}).items():
                out.setdefault(f"{def_name}.{name}", prop.get("description", ""))
    return out


if __name__ == "__main__":  # record the English the translations were made from
    SOURCES_PATH.write_text(json.dumps(english_sources(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
    print(f"wrote {SOURCES_PATH}")
