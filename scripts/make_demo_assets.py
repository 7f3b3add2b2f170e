"""Generate the demo assets the sample content refers to.

In: content/guides/**/*.md (their ``Form:`` lines) and content/stations/*.md
(their file names). Out: the blank and filled-in sample PDF forms under
content/forms/, and an illustrated placeholder chief photo per station under
content/images/chiefs/. Same input, same bytes: run it again at any time.
Run: .venv/bin/python scripts/make_demo_assets.py [--content DIR]
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import re
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

CONTENT = Path(__file__).resolve().parent.parent / "content"
FONT = "STSong-Light"
FORM_LINE = re.compile(
    r"^form:[ \t]*(?P<name>.+?)[ \t]*\|[ \t]*(?P<path>forms/\S+\.pdf)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
PHOTO_SIZE = (240, 320)
SCALE = 2  # portraits are drawn at twice the size, then scaled down smoothly
POLICE_BLUE = (31, 58, 107)


def parse_answers(text: str) -> dict[str, str]:
    """Return ``"field=answer field=answer"`` (answers without spaces) as a dict."""
    return dict(item.split("=", 1) for item in text.split())


# Fictional sample answers, shared by every form.
SAMPLE = parse_answers(
    """
    姓名=张三 性别=男 民族=汉族 出生日期=1990年01月01日 公民身份号码=2XXXXX19900101XXXX
    户籍地址=云澜市东城区示例路1号 现居住地址=云澜市西湖区样例街2号3单元101室
    联系电话=139XXXX0000 申请人签名=张三 日期=2026年03月01日
    新生儿姓名=张小三 新生儿性别=男 新生儿出生日期=2026年02月01日
    出生医学证明编号=XXXXXXXXXX 父亲姓名=张三 母亲姓名=李四
    迁出地=某省某市示例县样例镇示例村 迁入地=云澜市东城区示例路1号 与户主关系=妻
    就业或就读单位=云澜市示例科技有限公司 车辆品牌型号=示例牌XX7150小型轿车
    车辆识别代号=LXXXXXXXXXXXXXXXX 号牌号码=云A·XXXXX（选号后填写）
    驾驶证档案编号=XXXXXXXXXXXX 准驾车型=C1 证明用途=入职审查
    证明事项=本人与父亲的亲属关系 单位名称=云澜市示例旅馆有限公司
    统一社会信用代码=91XXXXXXXXXXXXXXXX 法定代表人=张三
    经营地址=云澜市新港区样例路8号 客房数量=32间
    """
)

# One form per line: file stem | title | fields in order | answers that differ
# from SAMPLE. Files are named <stem>-blank.pdf and <stem>-sample.pdf.
FORM_TABLE = """
id-card-application | 居民身份证申领登记表 | 姓名 性别 民族 出生日期 公民身份号码 户籍地址 联系电话 申请事项 申请人签名 日期 | 申请事项=首次申领居民身份证
temporary-id-card-application | 临时居民身份证申领登记表 | 姓名 性别 民族 出生日期 公民身份号码 户籍地址 联系电话 申请事项 申请人签名 日期 | 申请事项=换领居民身份证期间急需使用
birth-registration | 出生登记申请表 | 新生儿姓名 新生儿性别 民族 新生儿出生日期 出生医学证明编号 父亲姓名 母亲姓名 户籍地址 联系电话 申请事项 申请人签名 日期 | 申请事项=新生儿随父落户
hukou-migration | 户口迁移申请表 | 姓名 性别 公民身份号码 迁出地 迁入地 与户主关系 联系电话 申请事项 申请人签名 日期 | 姓名=李四 性别=女 申请人签名=李四 申请事项=夫妻投靠，户口迁入本市
residence-permit-application | 居住证申领登记表 | 姓名 性别 民族 出生日期 公民身份号码 户籍地址 现居住地址 就业或就读单位 联系电话 申请事项 申请人签名 日期 | 户籍地址=某省某市示例县样例镇示例村 申请事项=首次申领居住证
exit-entry-application | 中国公民出入境证件申请表 | 姓名 性别 民族 出生日期 公民身份号码 户籍地址 联系电话 申请事项 申请人签名 日期 | 申请事项=首次申请普通护照
vehicle-registration-application | 机动车注册、转移、注销登记申请表 | 姓名 公民身份号码 现居住地址 联系电话 车辆品牌型号 车辆识别代号 号牌号码 申请事项 申请人签名 日期 | 申请事项=注册登记
driving-license-application | 机动车驾驶证申请表 | 姓名 性别 出生日期 公民身份号码 现居住地址 联系电话 驾驶证档案编号 准驾车型 申请事项 申请人签名 日期 | 申请事项=有效期满换证
no-criminal-record-application | 无犯罪记录证明申请表 | 姓名 性别 出生日期 公民身份号码 户籍地址 联系电话 证明用途 申请事项 申请人签名 日期 | 申请事项=开具本人无犯罪记录证明
hukou-certificate-application | 户籍证明申请表 | 姓名 性别 公民身份号码 户籍地址 联系电话 证明事项 证明用途 申请事项 申请人签名 日期 | 申请事项=开具亲属关系证明 证明用途=办理继承公证
hotel-permit-application | 旅馆业特种行业许可证申请表 | 单位名称 统一社会信用代码 法定代表人 公民身份号码 经营地址 客房数量 联系电话 申请事项 申请人签名 日期 | 申请事项=新开办旅馆申领许可证
"""


def form_specs() -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """Return FORM_TABLE as stem -> (title, fields, sample answers)."""
    specs = {}
    for line in FORM_TABLE.strip().splitlines():
        stem, title, fields, overrides = (part.strip() for part in line.split("|"))
        answers = SAMPLE | parse_answers(overrides)
        specs[stem] = (title, fields.split(), answers)
    return specs


def referenced_forms(guides: Path) -> list[str]:
    """Return the sorted ``forms/….pdf`` paths named by every guide's front matter."""
    paths: set[str] = set()
    for guide in sorted(guides.rglob("*.md")):
        front_matter = guide.read_text(encoding="utf-8").split("\n\n", 1)[0]
        paths.update(match["path"] for match in FORM_LINE.finditer(front_matter))
    return sorted(paths)


def draw_form(target: Path, title: str, fields: list[str], answers: dict[str, str] | None) -> None:
    """Write one A4 form; ``answers`` fills it in and marks it as a sample."""
    width, height = A4
    canvas = Canvas(str(target), pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(title + ("（填写样例）" if answers else ""))
    canvas.setAuthor("云澜市公安局")
    canvas.setSubject("演示样张，所有信息均为虚构")
    if answers:  # behind everything else, so the lines stay readable
        canvas.saveState()
        canvas.setFillColorRGB(0.8, 0.1, 0.1)
        canvas.setFillAlpha(0.12)
        canvas.setFont(FONT, 96)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -30, "填写样例")
        canvas.restoreState()
        canvas.setFillColorRGB(0.75, 0.1, 0.1)
        canvas.setFont(FONT, 12)
        canvas.drawRightString(width - 20 * mm, height - 15 * mm, "【填写样例】")
        canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(width / 2, height - 30 * mm, title)
    canvas.setFont(FONT, 10)
    canvas.drawString(20 * mm, height - 40 * mm, "受理单位：云澜市公安局")
    canvas.drawRightString(width - 20 * mm, height - 40 * mm, "编号：________________")

    left, right, label_width, row = 20 * mm, width - 20 * mm, 38 * mm, 12 * mm
    top = height - 44 * mm
    rows: list[tuple[str, str | None]] = [(name, answers.get(name, "") if answers else "") for name in fields]
    rows.append(("以下由公安机关填写", None))
    rows += [(label, "") for label in ("受理民警", "受理日期", "审核意见")]
    for index, (label, value) in enumerate(rows):
        y = top - (index + 1) * row
        canvas.rect(left, y, right - left, row)
        canvas.setFont(FONT, 11)
        if value is None:  # section heading across the whole row
            canvas.drawCentredString(width / 2, y + 4 * mm, label)
            continue
        canvas.line(left + label_width, y, left + label_width, y + row)
        canvas.drawString(left + 3 * mm, y + 4 * mm, label)
        if value:
            canvas.setFillColorRGB(0.05, 0.2, 0.55)
            canvas.drawString(left + label_width + 4 * mm, y + 4 * mm, value)
            canvas.setFillColorRGB(0, 0, 0)

    canvas.setFont(FONT, 9)
    notes = (
        "填表说明：请用黑色签字笔填写，字迹工整，不得涂改；申请人签名须由本人书写。",
        "本表为演示样张，表内所有姓名、公民身份号码、电话、地址均为虚构。",
    )
    for index, note in enumerate(notes):
        canvas.drawString(left, 28 * mm - index * 5 * mm, note)
    canvas.drawCentredString(width / 2, 12 * mm, "云澜市公安局 制")
    canvas.showPage()
    canvas.save()


def make_forms(content: Path) -> list[Path]:
    """Write every PDF that a guide's ``Form:`` line names; return the paths."""
    specs, written = form_specs(), []
    for relative in referenced_forms(content / "guides"):
        stem = Path(relative).stem
        base, _, variant = stem.rpartition("-")
        if base not in specs or variant not in ("blank", "sample"):
            raise SystemExit(
                f"{relative}: no form {base!r} in FORM_TABLE, or the name does not end in -blank.pdf / -sample.pdf"
            )
        title, fields, sample_answers = specs[base]
        answers = sample_answers if variant == "sample" else None
        target = content / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_form(target, title, fields, answers)
        written.append(target)
    return written


def shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Return ``colour`` darkened (factor < 1) or lightened (factor > 1)."""
    red, green, blue = (max(0, min(255, round(c * factor))) for c in colour)
    return red, green, blue


def draw_portrait(slug: str) -> Image.Image:
    """Return a head-and-shoulders placeholder whose colours follow from ``slug``."""
    digest = hashlib.sha256(slug.encode()).digest()
    hue = digest[0] / 255
    background = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.80, 0.35))
    uniform = shade(POLICE_BLUE, 0.9 + digest[1] / 255 * 0.25)
    tone = 120 + digest[2] % 60
    head_colour = (tone + 20, tone + 10, tone)
    image = Image.new("RGB", (PHOTO_SIZE[0] * SCALE, PHOTO_SIZE[1] * SCALE), background)
    draw = ImageDraw.Draw(image)

    draw.ellipse((10, 460, 470, 960), fill=uniform)  # shoulders and chest
    draw.rectangle((208, 360, 272, 470), fill=shade(head_colour, 0.9))  # neck
    draw.polygon([(180, 455), (300, 455), (240, 570)], fill=(214, 228, 245))  # shirt
    draw.polygon(
        [(231, 470), (249, 470), (256, 580), (240, 600), (224, 580)],
        fill=shade(POLICE_BLUE, 0.55),
    )  # tie
    draw.line([(180, 455), (240, 640)], fill=shade(uniform, 0.7), width=6)  # lapels
    draw.line([(300, 455), (240, 640)], fill=shade(uniform, 0.7), width=6)
    for x in (90, 310):  # shoulder boards
        draw.rounded_rectangle((x, 535, x + 80, 562), radius=8, fill=shade(uniform, 0.75))
        draw.line([(x + 12, 548), (x + 68, 548)], fill=(205, 175, 90), width=4)
    draw.ellipse((300, 580, 340, 620), fill=(205, 175, 90))  # chest badge
    draw.ellipse((165, 170, 315, 390), fill=head_colour)  # head

    if digest[3] % 2:  # peaked cap
        draw.rounded_rectangle((148, 120, 332, 225), radius=34, fill=uniform)
        draw.pieslice((152, 195, 328, 255), 0, 180, fill=(25, 25, 30))  # visor
        draw.ellipse((224, 140, 256, 176), fill=(205, 175, 90))
    else:  # short hair
        draw.chord((158, 158, 322, 300), 180, 360, fill=shade(head_colour, 0.45))
    return image.resize(PHOTO_SIZE, Image.Resampling.LANCZOS)


def make_photos(content: Path) -> list[Path]:
    """Write a chief photo for every station profile; return the paths."""
    slugs = sorted(path.stem for path in (content / "stations").glob("*.md"))
    if not slugs:
        print("warning: content/stations/ has no profiles, so no chief photos")
    target_dir = content / "images" / "chiefs"
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in slugs:
        target = target_dir / f"{slug}.jpg"
        draw_portrait(slug).save(target, "JPEG", quality=80, optimize=True)
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, default=CONTENT, help="content folder")
    content = parser.parse_args().content
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    written = {"forms": make_forms(content), "chief photos": make_photos(content)}
    for kind, paths in written.items():
        for path in paths:
            size = path.stat().st_size
            print(f"wrote {path.relative_to(content.parent)} ({size:,} bytes)")
        total = sum(path.stat().st_size for path in paths)
        print(f"{kind}: {len(paths)} files, {total:,} bytes")


if __name__ == "__main__":
    main()
