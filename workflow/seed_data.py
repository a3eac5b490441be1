"""The seed report (姑苏区红十字会, 2021) as structured data, and the commands that enter it.

Every figure of ``shared/seed/gusu-redcross-2021-self-evaluation.txt`` is here: the
department, staffing, net assets, the 7 functions, the narrative sections with their
headline figures, all 12 budget lines and all 34 indicators with target, actual and
deviation reason as typed. Two typos the system rejects are corrected (see ``TYPOS``);
cells the PDF wrapped over lines are joined. The CLI demo replays :func:`seed_commands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    EditNarrative,
    OpenReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    ReportCommand,
    SetFunctions,
    SetInitialBudget,
    SetNetAssets,
    SetStaffing,
)

DEPARTMENT_CODE = "gusu-rc"
DEPARTMENT_NAME = "姑苏区红十字会"
YEAR = 2021
SCHEME = "default"
DEADLINE = date(2022, 6, 30)

FUNCTIONS = (
    "宣传贯彻《中华人民共和国红十字会法》和《中华人民共和国红十字标志使用办法》，依照《中国红十字会"
    "章程》和有关方针、政策，制定全区红十字事业发展规划，指导和推动全区各级红十字会工作。",
    "开展备灾救灾工作，争取境内外的援助，在自然灾害和突发事件中，对伤病人员和其他受害者进行救助；"
    "积极参加灾后重建及救济工作；参加国际人道主义救援工作。",
    "发展志愿者队伍，组织会员和志愿者开展人道领域内的社区服务、社会救助和社会公益活动；组织开展群"
    "众性"
    "初级救护训练，组织群众参加意外伤害和自然灾害的现场保护。",
    "开展弘扬爱国主义、集体主义和人道主义精神的有益于青少年身心健康的红十字青少年活动。",
    "参与宣传和推动无偿献血与造血干细胞捐献者工作，大力宣传和推动造血干细胞、遗体和器官捐献工作。",
    "宣传红十字与红新月运动的基本原则和国际人道法，开展对外友好合作交流。",
    "完成区委区政府和上级红十字会交办和委托的其他工作。",
)

#: 本部门无内设机构和下属单位; 编制 4; 在职 6 by rank.
INTERNAL_UNITS: tuple[str, ...] = ()
ESTABLISHMENT = 4
IN_POST = (("正科", 1), ("副科", 1), ("科员", 2), ("退二线", 2))

#: 净资产 in 元, not 万元: units vary by field.
NET_ASSETS = "24904.73"
NET_ASSETS_UNIT = "元"
NET_ASSETS_AS_OF = date(2021, 12, 31)


@dataclass(frozen=True)
class SectionSeed:
    """A narrative section: id, title, abbreviated text, and (key, label, value) figures."""

    id: str
    title: str
    text: str
    figures: tuple[tuple[str, str, str], ...] = ()


SECTIONS = (
    SectionSeed(
        "1.3",
        "2021年度主要工作完成情况",
        "2021 年，姑苏区红十字会在区委区政府的正确领导下，在市红十字会关心指导下，全年共接收社会"
        "捐赠款物"
        " 156.86 万元（含线上及物品折价），发放救助款物 154.59 万元；培训初级救护员 2910 人、普及"
        "性救护"
        "培训人员 26228 人；新增造血干细胞捐献登记 223 人，线下线上遗体捐献登记 1018 人，角膜捐献"
        "登记"
        " 1164 人，器官捐献登记 1196 人，各项工作指标均圆满完成。获得省级红十字先进单位 1 家，省"
        "级先进个人 2 名。",
        (
            ("donations", "接收社会捐赠款物", "156.86 万元"),
            ("relief", "发放救助款物", "154.59 万元"),
            ("first_aiders", "培训初级救护员", "2910 人"),
            ("popular_training", "普及性救护培训人员", "26228 人"),
            ("stem_cell", "新增造血干细胞捐献登记", "223 人"),
            ("body_donation", "遗体捐献登记", "1018 人"),
            ("cornea", "角膜捐献登记", "1164 人"),
            ("organ", "器官捐献登记", "1196 人"),
            ("advanced_units", "省级红十字先进单位", "1 家"),
            ("advanced_people", "省级先进个人", "2 名"),
        ),
    ),
    SectionSeed(
        "1.3.1",
        "坚持党建引领，增强奋进活力",
        "1.全面加强党的建设。2.认真开展党史学习教育工作。3.促进党建业务工作双融合，深入推进“党建+"
        "红会”工作模式。",
    ),
    SectionSeed(
        "1.3.2",
        "坚持围绕中心，开展冲刺行动",
        "1.应急救护培训工作扎实推进，举办姑苏区第二届应急救护技能 PK 赛。2.建成姑苏区首个红十字生"
        "命健康安全"
        "体验馆，投资 160 余万，自 9 月开馆以来已为 300 余名小学生提供救护培训课程；指导 2 所学校"
        "成功创建省级"
        "红十字示范学校。3.红十字人道救助精准发力：春节前夕共发放救助款物 32 万元，惠及居民 1681 "
        "户；组织开展"
        "团体会员活动 2 次；“博爱姑苏 公益久久”项目筹资 23.8 万元（其中互联网捐款 10.08 万元）；"
        "向江口县"
        "提供助学款 6 万元，帮助 20 名困难学生。4.红十字博爱家园实现百分百覆盖率：在原有 5 家博爱"
        "家园的基础上，"
        "新建 5 家红十字博爱家园。",
        (
            ("experience_hall_investment", "生命健康安全体验馆投资（160 余万）", "160 万元"),
            ("hall_pupils", "体验馆培训小学生（300 余名）", "300 名"),
            ("demonstration_schools", "创建省级红十字示范学校", "2 所"),
            ("spring_relief", "春节前夕发放救助款物", "32 万元"),
            ("spring_households", "惠及居民", "1681 户"),
            ("member_activities", "团体会员活动", "2 次"),
            ("online_project", "博爱姑苏 公益久久 筹资", "23.8 万元"),
            ("online_donations", "其中互联网捐款", "10.08 万元"),
            ("jiangkou_aid", "江口县助学款", "6 万元"),
            ("jiangkou_students", "帮助困难学生", "20 名"),
            ("homes_existing", "原有博爱家园", "5 家"),
            ("homes_new", "新建红十字博爱家园", "5 家"),
        ),
    ),
    SectionSeed(
        "1.3.3",
        "助力改善民生，提升服务质效",
        "1.红十字应急救援实力稳步提升，自行组织开展集训 2 次。2.“三献”工作成效显著，全年造血干细"
        "胞采集登记"
        "数量较 2020 年翻了一番，2 名造血干细胞志愿者实现捐献；重阳节期间走访 80 岁以上高龄捐遗志"
        "愿者 297 人。"
        "3.志愿服务工作更具活力，巡回开展红十字知识和急救知识志愿宣传 50 余场。",
        (
            ("rescue_drills", "应急救援集训", "2 次"),
            ("stem_cell_donors", "造血干细胞志愿者实现捐献", "2 名"),
            ("elderly_visits", "走访高龄捐遗志愿者", "297 人"),
            ("volunteer_campaigns", "志愿宣传（50 余场）", "50 场"),
        ),
    ),
    SectionSeed(
        "1.3.4",
        "把握宣传阵地，正确引领舆论导向",
        "1.广泛开展主题宣传活动。2.加强红十字文化宣传：“红心向党”主题摄影比赛收到投稿作品 200 余"
        "件，报送摄影"
        "作品 50 件、党课微视频 1 件，征集文字、绘画等作品 100 余件。3.加强媒体宣传工作：“姑苏云"
        "救护”发布工作"
        "信息 184 篇，市红十字会网站发布 89 篇，省红十字会平台近 200 篇，学习强国 3 篇。",
        (
            ("photo_entries", "摄影比赛投稿作品（200 余件）", "200 件"),
            ("photos_submitted", "报送摄影作品", "50 件"),
            ("micro_videos", "党课微视频", "1 件"),
            ("youth_works", "征集作品（100 余件）", "100 件"),
            ("own_platform_posts", "姑苏云救护发布工作信息", "184 篇"),
            ("city_posts", "市红十字会网站发布信息", "89 篇"),
            ("province_posts", "省红十字会平台发布信息（近 200 篇）", "200 篇"),
            ("xuexi_posts", "学习强国发布工作信息", "3 篇"),
        ),
    ),
    SectionSeed(
        "1.4",
        "预算安排、执行情况和预算绩效管理工作开展情况",
        "（一）2021 年姑苏区红十字会财政收入达到 279.08 万元,同比增长 16.7%。（二）2021 年全乡实"
        "现一般公共"
        "预算支出 279.08 万元，其中基本支出 242.83 万元，项目支出 36.25 万元。（三）2021 年一般公"
        "共预算收入"
        " 279.08 万元，支出 279.08 万元。重点工作：1、加强财政支出监管，提高资金使用效率。2、围绕"
        "中心，服务大局，"
        "依法科学使用资金。3、强化内控管理，提升资金管理水平。",
        (
            ("revenue", "财政收入", "279.08 万元"),
            ("revenue_growth", "财政收入同比增长", "16.7%"),
            ("spending", "一般公共预算支出", "279.08 万元"),
            ("spending_basic", "基本支出", "242.83 万元"),
            ("spending_project", "项目支出", "36.25 万元"),
            ("spending_publicity", "红十字人道宣传支出", "12.5 万元"),
            ("spending_first_aid", "群众性公益应急救护培训支出", "6 万元"),
            ("spending_rescue", "应急救援工作支出", "1 万元"),
            ("spending_it", "信息化建设支出", "2 万元"),
            ("spending_humanitarian", "人道爱心任务支出", "7.8 万元"),
            ("spending_homes", "博爱家园建设支出", "3.2 万元"),
            ("spending_volunteers", "志愿者队伍建设支出", "2 万元"),
            ("spending_schools", "校园红十字建设支出", "1 万元"),
            ("spending_capacity", "部门能力建设支出", "0.75 万元"),
        ),
    ),
    SectionSeed(
        "2.1",
        "部门管理",
        "如《姑苏区预算部门整体支出预算绩效自评价表》所示，2021年姑苏区红十字会部门运行良好，运行"
        "成本压制在"
        "合理区间内，管理效率较高。",
    ),
    SectionSeed(
        "2.2",
        "部门履职及效果",
        "如《姑苏区预算部门整体支出预算绩效自评价表》所示，2021年姑苏区红十字会年度重点任务和绩效"
        "指标全部完成，"
        "部分指标大幅超额完成，部门履职效能高。",
    ),
    SectionSeed(
        "2.3",
        "部门综合效益",
        "如《姑苏区预算部门整体支出预算绩效自评价表》所示，2021年姑苏区红十字会在充分完成绩效工作"
        "的同时，也收获"
        "了良好的社会效应，服务对象满意度回馈极佳。",
    ),
    SectionSeed(
        "2.4",
        "部门能力建设",
        "如《姑苏区预算部门整体支出预算绩效自评价表》所示，2021年姑苏区红十字会圆满完成全年能力建"
        "设任务，充分"
        "保障了部门的可持续发展能力。",
    ),
    SectionSeed(
        "3.1",
        "存在问题及原因分析",
        "红十字会未来面对了较大的收支矛盾。一是政府的财政投入逐步缩减，对于绩效完成带来负面影响。"
        "二是可用财力"
        "有限的同时，上级的工作要求和压力继续提高，刚性支出在增加，资金平衡难度加大。",
    ),
    SectionSeed(
        "3.2",
        "改进计划和措施",
        "继续优化财政支出结构，按照保运转、保稳定、保绩效的原则，严控“三公经费”和一般性开支，提高"
        "财政资金使用"
        "效率；围绕资金绩效，深化内控制度，从严执行预算，依法、依规、依程序规范资金使用行为。",
    ),
    SectionSeed(
        "3.3",
        "绩效信息公开情况",
        "姑苏区红十字会严格按照财政要求及时有效在指定渠道公开本部门绩效信息。",
    ),
)


@dataclass(frozen=True)
class LineSeed:
    """A budget line as the table prints it: the adjustment and higher-level columns are
    entered as one adjustment each (the seed gives no breakdown or document numbers)."""

    id: str
    name: str
    parent: str | None
    initial: str
    adjustment: str
    higher_level: str
    actual: str
    total: str
    rate: str


#: The 12 rows of 本年度预算资金 (万元): typed columns, then 预算合计数 and 执行率 as printed.
BUDGET_LINES = (
    LineSeed("total", "预算资金总额", None, "300.09", "-22.81", "1.8", "279.08", "279.08", "100"),
    LineSeed("basic", "基本支出", "total", "260.84", "-18.01", "0", "242.83", "242.83", "100"),
    LineSeed("project", "项目支出", "total", "39.25", "-4.8", "1.8", "36.25", "36.25", "100"),
    LineSeed("publicity", "红十字人道宣传工作", "project", "12.5", "0", "0", "12.5", "12.5", "100"),
    LineSeed("first-aid", "群众性公益应急救护培训", "project", "6", "0", "0", "6", "6", "100"),
    LineSeed("rescue-team", "应急救援志愿队伍打造", "project", "1", "0", "0", "1", "1", "100"),
    LineSeed("it", "信息化建设", "project", "2", "0", "0", "2", "2", "100"),
    LineSeed("humanitarian", "人道爱心任务", "project", "6", "0", "1.8", "7.8", "7.8", "100"),
    LineSeed("homes", "博爱家园建设", "project", "8", "-4.8", "0", "3.2", "3.2", "100"),
    LineSeed("volunteers", "志愿者队伍建设", "project", "2", "0", "0", "2", "2", "100"),
    LineSeed("schools", "校园红十字建设", "project", "1", "0", "0", "1", "1", "100"),
    LineSeed("capacity", "部门能力建设", "project", "0.75", "0", "0", "0.75", "0.75", "100"),
)

#: The seed gives no reasons for its adjustments; 压缩预算 is its own explanation of
#: 预算调整率, and the higher-level column is named after its heading.
ADJUSTMENT_REASON = "压缩预算"
HIGHER_LEVEL_REASON = "上级指标及其他"

#: 预算调整率 as printed in the indicator table.
ADJUSTMENT_RATE = "7.6"


@dataclass(frozen=True)
class IndicatorSeed:
    """An indicator row as typed, and the status the system should give it."""

    id: str
    category: str
    project: str | None
    budget_line: str | None
    name: str
    target: str
    actual: str
    deviation: str | None
    status: str
    lower_is_better: bool = False


_MGMT = "部门管理"
_DUTY = "部门履职及效果"
_BENEFIT = "部门综合效益"
_CAPACITY = "部门能力建设"
_NONE = "……"
_MORE = "实际报名人数多"

INDICATORS = (
    IndicatorSeed("m01", _MGMT, None, None, "预算编制规范性", "规范", "规范", _NONE, "met"),
    IndicatorSeed("m02", _MGMT, None, "total", "预算执行率", "100%", "100%", _NONE, "met"),
    IndicatorSeed(
        "m03", _MGMT, None, "total", "预算调整率", "0%", "7.6%", "压缩预算", "missed", True
    ),
    IndicatorSeed(
        "m04", _MGMT, None, None, "财政供养人员控制率", "100%及以下", "100%及其以下", _NONE, "met"
    ),
    IndicatorSeed("m05", _MGMT, None, None, "管理制度健全性", "健全", "健全", _NONE, "met"),
    IndicatorSeed("m06", _MGMT, None, None, "资金使用合规性", "合规", "合规", _NONE, "met"),
    IndicatorSeed("m07", _MGMT, None, None, "财务管理规范性", "规范", "规范", _NONE, "met"),
    IndicatorSeed("m08", _MGMT, None, None, "政府采购规范性", "规范", "规范", _NONE, "met"),
    IndicatorSeed("m09", _MGMT, None, None, "资产管理规范性", "规范", "规范", _NONE, "met"),
    IndicatorSeed("m10", _MGMT, None, None, "预决算信息公开规范性", "规范", "规范", _NONE, "met"),
    IndicatorSeed(
        "d01",
        _DUTY,
        "红十字人道宣传工作",
        "publicity",
        "开展大型活动",
        "2 场",
        "3 场",
        "实际工作需要",
        "overshot",
    ),
    IndicatorSeed(
        "d02",
        _DUTY,
        "群众性公益应急救护培训",
        "first-aid",
        "开展普及培训",
        "15900 人次",
        "26228 人次",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d03",
        _DUTY,
        "群众性公益应急救护培训",
        "first-aid",
        "开展初级培训",
        "2400 人次",
        "2910人次",
        None,
        "met",
    ),
    IndicatorSeed(
        "d04",
        _DUTY,
        "群众性公益应急救护培训",
        "first-aid",
        "完成师资培训",
        "5 人次",
        "11人次",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d05",
        _DUTY,
        "应急救援志愿队伍打造",
        "rescue-team",
        "招募队员",
        "≥10 人",
        "20 人",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d06",
        _DUTY,
        "“网上红十字会”建设",
        "it",
        "姑苏区云救护APP维护及深度开发",
        "100%",
        "100%",
        None,
        "met",
    ),
    IndicatorSeed(
        "d07",
        _DUTY,
        "人道爱心任务",
        "humanitarian",
        "爱心款物募集",
        "50 万元",
        "156 万元",
        "实际接受量大增",
        "overshot",
    ),
    IndicatorSeed(
        "d08",
        _DUTY,
        "人道爱心任务",
        "humanitarian",
        "博爱送万家款物发放",
        "25 万元",
        "32万元",
        None,
        "met",
    ),
    IndicatorSeed(
        "d09",
        _DUTY,
        "人道爱心任务",
        "humanitarian",
        "造血干细胞捐献登记",
        "150 人",
        "223 人",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d10",
        _DUTY,
        "人道爱心任务",
        "humanitarian",
        "遗体（器官）捐献登记",
        "200 人",
        "1018人",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d11", _DUTY, "博爱家园建设", "homes", "新建博爱家园数量", "4 个", "5 个", None, "met"
    ),
    IndicatorSeed(
        "d12",
        _DUTY,
        "博爱家园建设",
        "homes",
        "开展博爱家园项目",
        "6 个",
        "10 个",
        "实际收报量多",
        "overshot",
    ),
    IndicatorSeed(
        "d13",
        _DUTY,
        "志愿队伍建设",
        "volunteers",
        "志愿者招募",
        "20 人",
        "38 人",
        _MORE,
        "overshot",
    ),
    IndicatorSeed(
        "d14", _DUTY, "志愿队伍建设", "volunteers", "新增志愿者队伍", "4 支", "4 支", None, "met"
    ),
    IndicatorSeed(
        "d15",
        _DUTY,
        "校园红十字建设",
        "schools",
        "省红十字示范学校创建",
        "2 所",
        "2 所",
        None,
        "met",
    ),
    IndicatorSeed("b01", _BENEFIT, None, None, "爱心救助款物落实率", "100%", "100%", None, "met"),
    IndicatorSeed(
        "b02", _BENEFIT, None, None, "街道应急救护培训开展率", "100%", "100%", None, "met"
    ),
    IndicatorSeed(
        "b03", _BENEFIT, None, None, "姑苏区云救护 APP 下载增长率", "≥15%", "16%", None, "met"
    ),
    IndicatorSeed("b04", _BENEFIT, None, None, "博爱家园街道覆盖率", "≥50%", "100%", None, "met"),
    IndicatorSeed("b05", _BENEFIT, None, None, "博爱家园项目开展率", "100%", "100%", None, "met"),
    IndicatorSeed(
        "b06", _BENEFIT, None, None, "省红十字示范小学校占比率", ">15%", "20%", None, "met"
    ),
    IndicatorSeed(
        "b07", _BENEFIT, None, None, "志愿者、工作者、受助者满意度", "≥90%", "100%", None, "met"
    ),
    IndicatorSeed(
        "c01", _CAPACITY, None, None, "召开红十字会理事会议", "完成", "完成", None, "met"
    ),
    IndicatorSeed(
        "c02", _CAPACITY, None, None, "部门人员学习任务完成率", "100%", "100%", None, "met"
    ),
)

#: The seed's typos the system rejects: (indicator id, cell, as typed in the seed, corrected).
TYPOS = (
    ("b04", "actual", "100&", "100%"),
    ("d04", "target", "5 人人次", "5 人次"),
)


def _line_commands(key: dict[str, object], line: LineSeed) -> list[ReportCommand]:
    commands: list[ReportCommand] = [
        AddBudgetLine(**key, line=line.id, name=line.name, parent=line.parent),
        SetInitialBudget(**key, line=line.id, amount=line.initial),
    ]
    for amount, kind, reason in (
        (line.adjustment, "in_year", ADJUSTMENT_REASON),
        (line.higher_level, "higher_level", HIGHER_LEVEL_REASON),
    ):
        if amount != "0":
            commands.append(
                RecordAdjustment(**key, line=line.id, amount=amount, kind=kind, reason=reason)
            )
    commands.append(RecordActualSpending(**key, line=line.id, amount=line.actual))
    return commands


def seed_commands(department: str = DEPARTMENT_CODE, year: int = YEAR) -> list[ReportCommand]:
    """The preparer's commands that enter the whole seed report, from OpenReport to the last
    indicator actual (not the submission)."""
    key: dict[str, object] = {"department": department, "year": year}
    commands: list[ReportCommand] = [
        OpenReport(**key),
        SetFunctions(**key, functions=FUNCTIONS),
        SetStaffing(
            **key, internal_units=INTERNAL_UNITS, establishment=ESTABLISHMENT, in_post=IN_POST
        ),
        SetNetAssets(**key, amount=NET_ASSETS, unit=NET_ASSETS_UNIT, as_of=NET_ASSETS_AS_OF),
    ]
    commands += [
        EditNarrative(**key, section=s.id, title=s.title, text=s.text, figures=s.figures)
        for s in SECTIONS
    ]
    for line in BUDGET_LINES:
        commands += _line_commands(key, line)
    for seed in INDICATORS:
        commands.append(
            AddIndicator(
                **key,
                indicator=seed.id,
                category=seed.category,
                project=seed.project,
                budget_line=seed.budget_line,
                name=seed.name,
                target=seed.target,
                lower_is_better=seed.lower_is_better,
            )
        )
        commands.append(
            RecordIndicatorActual(
                **key, indicator=seed.id, actual=seed.actual, deviation_reason=seed.deviation
            )
        )
    return commands
