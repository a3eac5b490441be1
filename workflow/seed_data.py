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
    ReportKey,
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
    """A narrative section: id, title, text (paragraphs joined by newlines), and
    (key, label, value) figures."""

    id: str
    title: str
    text: str
    figures: tuple[tuple[str, str, str], ...] = ()


def _paragraphs(*paragraphs: str) -> str:
    """A section's text as typed: its paragraphs, one per line."""
    return "\n".join(paragraphs)


SECTIONS = (
    SectionSeed(
        "1.3",
        "2021年度主要工作完成情况",
        _paragraphs(
            "2021 年，姑苏区红十字会在区委区政府的正确领导下，在市红十字会关心指导下，以习近平新时"
            "代中国特色社会主义思想为指导，深入贯彻落实党的十九届六中全会精神，紧紧围绕党和政府中"
            "心任务，奋力开展一年冲刺，各项工作较好推进，全年共接收社会捐赠款物 156.86 万元（含线"
            "上及物品折价），发放救助款物 154.59 万元；培训初级救护员 2910 人、普及性救护培训人员 "
            "26228 人；新增造血干细胞捐献登记 223 人，线下线上遗体捐献登记 1018 人，角膜捐献登记 1"
            "164 人，器官捐献登记 1196 人，各项工作指标均圆满完成。获得省级红十字先进单位 1 家，省"
            "级先进个人 2 名。",
        ),
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
        _paragraphs(
            "1.全面加强党的建设。姑苏区红十字会党组牢固树立抓好机关党建的责任意识、主体意识，在工"
            "作部署中，始终坚持党建工作与红十字业务同谋划、同部署、同推进。严肃党内政治生活，严格"
            "执行“三会一课”等基本制度，不断加强党员党性锤炼。认真贯彻民主集中制并邀请派驻组列席党"
            "组会议，重要工作、重大经费使用均经过集体研究决定。",
            "2.认真开展党史学习教育工作。将党史学习教育作为一项重大政治任务，组织学习了《论中国共"
            "产党历史》、《中国共产党简史》等一批党史教育读本，观看了《百炼成钢——中国共产党的 100 "
            "年》等一批学习纪录片，开展重温入党誓词、沉浸式主题党日等活动，引导党员干部将党史学习"
            "中汲取的智慧化为推动全区红十字事业高质量发展的强大动力。",
            "3.促进党建业务工作双融合。深入推进“党建+红会”工作模式，增强党建与业务工作双促双融，结"
            "合核心业务打造书记项目、“我为群众办实事”项目，带动党建业务双提升。主动融入全区党建工"
            "作，在区党群服务中心提供应急救护培训课程。",
        ),
    ),
    SectionSeed(
        "1.3.2",
        "坚持围绕中心，开展冲刺行动",
        _paragraphs(
            "1.应急救护培训工作扎实推进。结合“为群众办实事”活动，大力实施“红十字救在身边”，面向社"
            "会定期在救护培训基地提供免费公开课程，依托“姑苏云救护”APP、救护培训基地等阵地，推动救"
            "护培训覆盖机关、学校、企业、社区，提高全民应急救护意识。以“做学校社区的急救英雄”为主"
            "题举办姑苏区第二届应急救护技能 PK 赛，比赛全程通过网络平台直播，方便广大群众远程观看"
            "和学习。",
            "2.建成姑苏区首个红十字生命健康安全体验馆。积极争取市红十字会和区相关部门的大力支持，"
            "秉承“科技性、互动性、创新性”的建设原则，投资 160 余万建设惠及全市青少年的生命健康宣传"
            "载体。自 9 月开馆以来，已为 300 余名小学生提供救护培训课程，迎接中国红十字会总会和省"
            "红十字会领导调研考察，获得充分肯定。依托学校红十字会工作委员会，指导苏州市平江实验学"
            "校分校和苏州市虎丘实验小学校成功创建省级红十字示范学校。",
            "3.红十字人道救助精准发力。常态化开展博爱送万家活动，春节前夕共发放救助款物 32 万元，"
            "惠及居民 1681 户。组织开展团体会员活动 2 次，引导会员积极加入人道事业，为红十字事业凝"
            "聚人道力量。强化互联网筹资能力，通过腾讯公益实施“博爱姑苏 公益久久”项目，筹资 23.8 万"
            "元（其中互联网捐款 10.08 万元），为辖区阿尔茨海默病和听力障碍困难群体购买定位手环和助"
            "听器，增强最易受损群体的幸福感和获得感。按照与江口县红十字会制定的“助学圆梦”三年工作"
            "计划，向江口县提供助学款 6 万元，帮助 20 名困难学生。",
            "4.红十字博爱家园实现百分百覆盖率。在原有 5 家博爱家园的基础上，新建 5 家红十字博爱家"
            "园，里河社区博爱家园以红十字心灵驿站为服务亮点，通过项目化运作，提供针对癌症患者的心"
            "理支持服务。大儒巷社区博爱家园在平江路景区打造融景区救护、社区服务、医疗关爱为一体的“"
            "景区里的博爱家园”。福运社区博爱家园整合红十字儿童关爱之家、红十字养老照护基地和社区红"
            "十字志愿者团队等资源，打造红十字综合服务阵地。长青社区博爱家园培育全职妈妈红十字急救"
            "队伍，为社区孤老病残困难群体进行志愿服务。光华社区博爱家园结合应急救护志愿者服务队的"
            "专业化服务，为辖区三献志愿者群体提供有效帮助。全部建成后实现辖区各街道红十字会博爱家"
            "园全覆盖。",
        ),
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
        _paragraphs(
            "1.红十字应急救援实力稳步提升。面向社会招募应急救援志愿者，加大与社会组织的协作，逐步"
            "组建起独立性和社会性较强的应急救援队伍，投入资金完善装备，积极参加市红十字会、区应急"
            "管理局组织的演练活动，自行组织开展集训 2 次，不断提升救援实力。",
            "2.“三献”工作成效显著。结合年度献血工作、“世界献血者日”在中心血站、街道社区广泛开展宣"
            "传活动，动员献血爱心人士加入中华骨髓库。全年造血干细胞采集登记数量较 2020 年翻了一番"
            "，2 名造血干细胞志愿者实现捐献，为 2 名血液病儿童送去生命希望。关爱捐遗志愿者，为捐遗"
            "委成员全部购买保险，积极协调解决捐遗委工作中的难题，安排红十字工作人员帮助做好电脑信"
            "息录入等工作。重阳节期间走访 80 岁以上高龄捐遗志愿者 297 人。",
            "3.志愿服务工作更具活力。在相门城墙、运河边巡回开展红十字知识和急救知识志愿宣传 50 余"
            "场，不断提升救护技能传播广度。丰富志愿服务形式，结合禁燃禁放、疫情防控、安全实践演练"
            "等工作，充分发挥志愿服务作用，为“苏式生活典范”绘就文明底色。",
        ),
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
        _paragraphs(
            "1.广泛开展主题宣传活动。结合“红十字博爱周”、“世界红十字日”等纪念周、纪念日，组织开展"
            "防灾减灾知识普及、应急救护技能培训、红十字志愿服务、无偿献血、造血干细胞捐献、人体器"
            "官捐献等宣传活动，提高社会对红十字会的认同感和参与度。",
            "2.加强红十字文化宣传。结合庆祝建党 100 周年活动，开展“红心向党”主题摄影比赛，共收到投"
            "稿作品 200 余件，全面展示了红十字人在党的领导下无私奉献的风采。组织优秀作品参加省红十"
            "字会庆祝建党 100 周年系列主题活动，共报送摄影作品 50 件，党课微视频 1 件。组织学校开"
            "展“我与红十字”系列征集活动，征集文字、绘画等作品 100 余件，提升了红十字在青少年中的影"
            "响力。",
            "3.加强媒体宣传工作。充分发挥自有平台“姑苏云救护”的宣传作用，发布工作信息 184 篇，让社"
            "会群众及时了解全区各级红十字会工作动态。积极向上报送信息素材，通过市红十字会网站发布"
            "信息 89 篇，通过省红十字会平台发布信息近 200 篇，通过学习强国发布工作信息 3 篇。",
        ),
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
        _paragraphs(
            "2021 年，在区委、区政府的正确领导下，在区财政局的关心帮助和指导下，及区纪委第五纪检监"
            "察组依法监督下，认真落实工作目标，红十字会财政预算执行情况良好，重点支出得到有力保障"
            "，有力促进了姑苏区红十字事业的健康发展。",
            "（一）2021 年财政收入执行情况",
            "2021 年姑苏区红十字会财政收入达到 279.08 万元,同比增长 16.7%。",
            "（二）2021 年财政支出执行情况",
            "2021 年全乡实现一般公共预算支出 279.08 万元，其中基本支出 242.83 万元，项目支出 36.25"
            " 万元.主要支出项目完成情况为：",
            "（1）红十字人道宣传支出 12.5 万元。",
            "（2）群众性公益应急救护培训支出 6 万元。",
            "（3）应急救援工作支出 1 万元。",
            "（4）信息化建设支出 2 万元。",
            "（5）人道爱心任务支出 7.8 万元。",
            "（6）博爱家园建设支出 3.2 万元。",
            "（7）志愿者队伍建设支出 2 万元。",
            "（8）校园红十字建设支出 1 万元。",
            "（9）部门能力建设支出 0.75 万元。",
            "（三）收支平衡情况",
            "2021 年一般公共预算收入 279.08 万元。",
            "2021 年一般公共预算支出 279.08 万元。",
            "为圆满完成 2021 年财政预算收支目标，认真做好预算绩效管理工作，我们重点做了以下几方面"
            "工作：",
            "1、加强财政支出监管，提高资金使用效率。认真执行中央八项规定和区委区政府树立过紧日子思"
            "想的要求，加强资金监管，发挥机关财务管理制度的作用，规范项目资金的使用，确保资金合理"
            "分配，安全运行，从严控制项目资金使用，日常公用经费支出控制在合理范围内。",
            "2、围绕中心，服务大局，依法科学使用资金。面对疫情带来的经济下行和公益性支出增长双重压"
            "力的考验，积极应对，明确工作任务，强化绩效管理，坚持“量力而行，量入为出，统筹兼顾，确"
            "保重点”的理财原则，确保各项工作的正常开展，保证机关的正常运行，保障人道爱心支出。姑苏"
            "区红十字会严格执行年度预算，合理地统筹调度资金，把好钢用在刀刃上",
            "3、强化内控管理，提升资金管理水平。强化财政审核，落实预算项目执行情况内控检查。加强支"
            "出进度管理，加快资金拨付，切实保障重点项目支出。建立资金安全管理长效机制，确保财政资"
            "金安全高效运转。",
        ),
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
        _paragraphs(
            "在取的全年绩效管理成绩的同时，我们也清醒地意识到红十字会未来面对了较大的收支矛盾。一"
            "是受各种减收因素影响下，政府的财政投入逐步缩减，对于绩效完成带来负面影响。二是可用财"
            "力有限的同时，上级的工作要求和压力继续提高，刚性支出在增加，保运转、保稳定、保绩效的"
            "压力越来越大，资金平衡难度加大。",
        ),
    ),
    SectionSeed(
        "3.2",
        "改进计划和措施",
        _paragraphs(
            "继续优化财政支出结构，按照保运转、保稳定、保绩效的原则，确保人员经费、机构正常运转，"
            "严控“三公经费”和一般性开支，提高财政资金使用效率。确保红十字的重点工作项目支出，推动"
            "全区红十字公益事业平衡发展，争取上级财政奖补资金，为老百姓办实事。",
            "围绕资金绩效，进一步提高财政管理的质量和效益，以科学化、精细化管理为目标，深化内控制"
            "度，从严执行预算，进一步依法、依规、依程序规范资金使用行为。",
        ),
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


def _line_commands(key: ReportKey, line: LineSeed) -> list[ReportCommand]:
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
    key: ReportKey = {"department": department, "year": year}
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
