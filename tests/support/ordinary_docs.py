#!/usr/bin/python3
"""Write a corpus of ordinary documents, with nothing hidden and nothing addressed to an AI.

Usage: /usr/bin/python3 ordinary_docs.py OUT_DIR [--scale N]

The documents are what people share every day: reports, memos, minutes, invoices, CVs and
policies (docx, by python-docx); budgets, inventories, timesheets and sales ledgers (xlsx, by
openpyxl); slide decks (flat ODP, which the caller converts with LibreOffice to odp and pptx);
web pages (HTML as sites write it, plus pydoc's own output); READMEs with install commands and
API examples (Markdown); changelogs, logs and notes (text); CSV exports; JSON configuration and
API responses; e-mails with HTML parts and attachments (Python's email package). They carry
what trips naive detectors and is ordinary all the same: `curl … | sh` in an install section,
an API endpoint in an example, coloured headings, small print (8 pt), table shading, document
properties, review comments, speaker notes, alt text.

--scale N repeats the body text N times (for benchmarks: bigger documents of the same kinds).
Everything is deterministic (a fixed seed), so a run writes the same corpus every time.
"""
import csv
import datetime
import json
import os
import random
import subprocess
import sys
from email.message import EmailMessage
from email.utils import format_datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docx_comments import add_comment  # noqa: E402

OUT = sys.argv[1]
SCALE = int(sys.argv[sys.argv.index("--scale") + 1]) if "--scale" in sys.argv else 1
rng = random.Random(20261130)
os.makedirs(OUT, exist_ok=True)

PEOPLE = ["Amira Haddad", "Jonas Weber", "Priya Raman", "Tomás Ortega", "Mei Lin", "Olu Adeyemi",
          "Sofia Rossi", "Liam O'Connor", "Hana Sato", "Noah Fischer"]
TEAMS = ["Finance", "Operations", "Platform", "Sales", "Legal", "Support", "Research"]
PRODUCTS = ["Orbit Desk", "Cedar CRM", "Lumen Sync", "Harbor Backup", "Quill Notes"]
SENTENCES = [
    "Revenue for the quarter came in at {n} thousand euros, {p}% above the same quarter last year.",
    "The team closed {n} support tickets; the median time to first response was {p} minutes.",
    "Travel spending is over plan by {n} euros, mostly from the partner conference in Lisbon.",
    "We recommend renewing the contract for two years at the current rate.",
    "The migration of the billing database finished on schedule with no data loss.",
    "Please review the attached figures and send corrections to the finance team by Friday.",
    "Headcount stays flat until the second half; two open roles move to next year.",
    "Customer satisfaction rose to {p}% after the new onboarding guide went live.",
    "The assistant manager of the Porto office will run the stock count on the {d}th.",
    "Follow the instructions in the onboarding guide to request a laptop and a badge.",
    "Ignore the draft figures circulated last week; the numbers below replace them.",
    "The system must be patched before the audit; the vendor released the fix on Tuesday.",
    "New instructions for expense claims apply from the first of next month.",
    "Backups run nightly at 02:00 and are kept for {n} days in the second region.",
    "The board approved the budget with one change: marketing moves {p}% to events.",
    "An internal AI policy now lists the tools staff may use with customer data.",
]


def sentence():
    return rng.choice(SENTENCES).format(n=rng.randint(12, 980), p=rng.randint(2, 40), d=rng.randint(3, 28))


def paragraph(k=3):
    return " ".join(sentence() for _ in range(k))


def body(k):
    return [paragraph(rng.randint(2, 4)) for _ in range(k * SCALE)]


def path(name):
    return os.path.join(OUT, name)


# ------------------------------------------------------------------------------------------
# docx


def docx_common(doc, title, author):
    doc.core_properties.title = title
    doc.core_properties.author = author
    doc.core_properties.subject = title.split(" ")[0]
    doc.core_properties.keywords = "internal; " + rng.choice(TEAMS).lower()
    doc.core_properties.comments = "Draft for review"


def docx_report(i):
    team = TEAMS[i % len(TEAMS)]
    doc = Document()
    docx_common(doc, f"{team} quarterly report", PEOPLE[i % len(PEOPLE)])
    doc.add_heading(f"{team}: quarterly report", level=0)
    doc.add_paragraph(f"Prepared by {PEOPLE[i % len(PEOPLE)]} for the leadership team.").italic = True
    for section in ["Summary", "Results", "Risks", "Next quarter"]:
        h = doc.add_heading(section, level=1)
        h.runs[0].font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
        for text in body(2):
            doc.add_paragraph(text)
        if section == "Results":
            table = doc.add_table(rows=1, cols=4)
            table.style = "Light Grid Accent 1"
            for c, label in enumerate(["Metric", "Q2", "Q3", "Change"]):
                table.rows[0].cells[c].text = label
            for metric in ["Revenue (k EUR)", "Tickets closed", "New customers", "Churn (%)"]:
                a, b = rng.randint(100, 900), rng.randint(100, 900)
                row = table.add_row().cells
                row[0].text, row[1].text, row[2].text, row[3].text = metric, str(a), str(b), f"{(b - a) * 100 // a:+d}%"
        if section == "Risks":
            for risk in ["Supplier delays on hardware", "Currency exposure on USD contracts", "Key-person dependency"]:
                doc.add_paragraph(risk, style="List Bullet")
    small = doc.add_paragraph("Figures are unaudited and may change.")
    small.runs[0].font.size = Pt(8)
    small.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"{team} — internal"
    section.footer.paragraphs[0].text = "Confidential: do not forward outside the company"
    name = path(f"report-{team.lower()}.docx")
    doc.save(name)
    if i % 2 == 0:
        add_comment(name, name, "Can we add the Q1 figures for comparison?", b"Prepared by")


def docx_memo(i):
    doc = Document()
    docx_common(doc, "Memo", PEOPLE[(i + 3) % len(PEOPLE)])
    p = doc.add_paragraph()
    p.add_run("MEMO").bold = True
    for label, value in [("To", "All staff"), ("From", PEOPLE[(i + 3) % len(PEOPLE)]),
                         ("Date", f"2026-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}"), ("Subject", rng.choice(
                             ["Office move", "New expense policy", "Holiday schedule", "Security training"]))]:
        q = doc.add_paragraph()
        q.add_run(label + ": ").bold = True
        q.add_run(value)
    for text in body(3):
        doc.add_paragraph(text)
    note = doc.add_paragraph()
    r = note.add_run("Action required: complete the form by the end of the month.")
    r.bold = True
    r.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    doc.save(path(f"memo-{i}.docx"))


def docx_minutes(i):
    doc = Document()
    docx_common(doc, "Meeting minutes", PEOPLE[(i + 5) % len(PEOPLE)])
    doc.add_heading(f"Minutes: {rng.choice(TEAMS)} weekly sync", level=1)
    doc.add_paragraph("Attendees: " + ", ".join(rng.sample(PEOPLE, 4)))
    for k, topic in enumerate(["Status", "Hiring", "Incidents", "Any other business"], 1):
        doc.add_heading(f"{k}. {topic}", level=2)
        for text in body(1):
            doc.add_paragraph(text)
    doc.add_heading("Actions", level=2)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for c, label in enumerate(["Action", "Owner", "Due"]):
        table.rows[0].cells[c].text = label
    for action in ["Send the revised budget", "Book the room for the offsite", "Update the runbook"]:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = action, rng.choice(PEOPLE), f"2026-12-{rng.randint(1, 28):02d}"
    doc.save(path(f"minutes-{i}.docx"))


def docx_invoice(i):
    doc = Document()
    docx_common(doc, f"Invoice {1000 + i}", "Billing")
    t = doc.add_paragraph()
    t.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = t.add_run(f"INVOICE #{1000 + i}")
    run.bold = True
    run.font.size = Pt(20)
    doc.add_paragraph("Northwind Traders GmbH\nHafenstraße 12\n20457 Hamburg")
    doc.add_paragraph(f"Bill to: {PEOPLE[i % len(PEOPLE)]}, {rng.choice(['Lisbon', 'Oslo', 'Dublin', 'Turin'])}")
    table = doc.add_table(rows=1, cols=4)
    table.style = "Light List Accent 1"
    for c, label in enumerate(["Item", "Qty", "Unit price", "Amount"]):
        table.rows[0].cells[c].text = label
    total = 0
    # python-docx appends table rows in quadratic time: an invoice stays an invoice's length.
    for _ in range(rng.randint(3, 8) * min(SCALE, 10)):
        q, u = rng.randint(1, 20), rng.randint(5, 400)
        total += q * u
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = rng.choice(PRODUCTS) + " licence", str(q), f"{u:.2f}", f"{q * u:.2f}"
    doc.add_paragraph(f"Total due: EUR {total:.2f}").runs[0].bold = True
    fine = doc.add_paragraph("Payment within 30 days. IBAN on request from billing; never by e-mail.")
    fine.runs[0].font.size = Pt(7.5)
    doc.save(path(f"invoice-{1000 + i}.docx"))


def docx_policy(i):
    doc = Document()
    docx_common(doc, "Acceptable use of AI tools", "Legal")
    doc.add_heading("Acceptable use of AI tools", level=0)
    doc.add_paragraph("This policy applies to every employee and contractor.")
    for heading, text in [
        ("Purpose", "Staff may use approved AI assistants for drafting and research. As an AI vendor ourselves, we hold our own use to the standard we sell."),
        ("Approved tools", "The approved list is on the intranet. Tools not on the list must not receive customer data."),
        ("Data", "Never paste credentials, personal data or source code into a tool that is not approved. Files with customer data stay in the document system."),
        ("Review", "Output from an assistant is reviewed by a person before it is sent to a customer."),
    ]:
        doc.add_heading(heading, level=1)
        doc.add_paragraph(text)
        for extra in body(1):
            doc.add_paragraph(extra)
    doc.save(path(f"policy-ai-{i}.docx"))


def docx_cv(i):
    doc = Document()
    name = PEOPLE[(i + 7) % len(PEOPLE)]
    docx_common(doc, f"CV {name}", name)
    h = doc.add_heading(name, level=0)
    doc.add_paragraph("Senior data engineer · Lisbon · she/her")
    doc.add_heading("Experience", level=1)
    for year in range(2024, 2016, -2):
        p = doc.add_paragraph()
        p.add_run(f"{year}–{year + 2}  ").bold = True
        p.add_run(f"{rng.choice(PRODUCTS)}: built the data platform; led a team of {rng.randint(2, 9)}.")
    doc.add_heading("Skills", level=1)
    for skill in ["Python, SQL, Rust", "Kafka, Postgres, dbt", "Mentoring and hiring"]:
        doc.add_paragraph(skill, style="List Bullet")
    doc.save(path(f"cv-{i}.docx"))


for i, make in enumerate([docx_report, docx_report, docx_report, docx_memo, docx_memo, docx_minutes,
                          docx_minutes, docx_invoice, docx_invoice, docx_policy, docx_cv, docx_cv]):
    make(i)

# ------------------------------------------------------------------------------------------
# xlsx

HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
BAND = PatternFill("solid", fgColor="DDEBF7")


def header(ws, labels):
    ws.append(labels)
    for c in ws[1]:
        c.font, c.fill = HEAD, HEAD_FILL
        c.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"


def xlsx_budget(i):
    wb = Workbook()
    wb.properties.title, wb.properties.creator = "Budget 2027", PEOPLE[i % len(PEOPLE)]
    ws = wb.active
    ws.title = "Budget"
    header(ws, ["Cost centre", "Q1", "Q2", "Q3", "Q4", "Total"])
    for r, team in enumerate(TEAMS * SCALE, start=2):
        ws.append([team] + [rng.randint(10, 500) * 100 for _ in range(4)] + [f"=SUM(B{r}:E{r})"])
        if r % 2:
            for c in ws[r]:
                c.fill = BAND
    ws.append(["Total"] + [f"=SUM({col}2:{col}{ws.max_row})" for col in "BCDEF"])
    ws.column_dimensions["A"].width = 18
    ws["A2"].comment = Comment("Includes the two contractors from March.", "Controller")
    notes = wb.create_sheet("Notes")
    notes.append(["Assumptions"])
    notes.append(["Salaries rise 3% in April; travel is capped at last year's level."])
    wb.save(path(f"budget-{i}.xlsx"))


def xlsx_inventory(i):
    wb = Workbook()
    ws = wb.active
    ws.title = "Stock"
    header(ws, ["SKU", "Item", "Warehouse", "On hand", "Reorder at", "Status"])
    for n in range(40 * SCALE):
        on, at = rng.randint(0, 400), rng.randint(20, 80)
        ws.append([f"SKU-{10000 + n}", rng.choice(PRODUCTS) + " box", rng.choice(["Porto", "Leeds", "Graz"]), on, at,
                   f'=IF(D{n + 2}<E{n + 2},"reorder","ok")'])
    ws.auto_filter.ref = f"A1:F{ws.max_row}"
    wb.save(path(f"inventory-{i}.xlsx"))


def xlsx_timesheet(i):
    wb = Workbook()
    ws = wb.active
    ws.title = "Week 48"
    header(ws, ["Date", "Project", "Hours", "Notes"])
    start = datetime.date(2026, 11, 23)
    for d in range(5 * SCALE):
        ws.append([start + datetime.timedelta(days=d % 7), rng.choice(PRODUCTS), rng.choice([6, 7.5, 8, 8.5]),
                   rng.choice(["code review", "customer call", "planning", "on call", ""])])
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    ws.append(["Total", "", "=SUM(C2:C%d)" % ws.max_row])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    wb.save(path(f"timesheet-{i}.xlsx"))


def xlsx_sales(i):
    wb = Workbook()
    for region in ["EMEA", "Americas", "APAC"]:
        ws = wb.create_sheet(region)
        header(ws, ["Month", "Product", "Units", "Revenue", "Small print"])
        for m in range(1, 13):
            for _ in range(SCALE):
                ws.append([datetime.date(2026, m, 1), rng.choice(PRODUCTS), rng.randint(10, 900), rng.randint(1000, 90000),
                           "provisional" if m > 10 else ""])
        ws["E1"].font = Font(size=8, color="808080", bold=True)
    del wb["Sheet"]
    wb.save(path(f"sales-{i}.xlsx"))


for i, make in enumerate([xlsx_budget, xlsx_budget, xlsx_inventory, xlsx_inventory, xlsx_timesheet, xlsx_timesheet,
                          xlsx_sales, xlsx_sales]):
    make(i)

# ------------------------------------------------------------------------------------------
# slide decks: flat ODP, converted by the caller with LibreOffice

FODP_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:meta><dc:title>{title}</dc:title><meta:initial-creator>{author}</meta:initial-creator></office:meta>
<office:styles>
 <style:style style:name="band" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#1f4e79" draw:stroke="none"/></style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm"/></style:page-layout>
 <style:style style:name="dp1" style:family="drawing-page"><style:drawing-page-properties draw:fill="solid" draw:fill-color="#ffffff"/></style:style>
 <style:style style:name="T1" style:family="text"><style:text-properties fo:font-size="36pt" fo:font-weight="bold" fo:color="#ffffff"/></style:style>
 <style:style style:name="T2" style:family="text"><style:text-properties fo:font-size="20pt" fo:color="#222222"/></style:style>
 <style:style style:name="T3" style:family="text"><style:text-properties fo:font-size="10pt" fo:color="#7f7f7f"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1" draw:style-name="dp1">
 <draw:custom-shape draw:style-name="band" svg:x="0cm" svg:y="0cm" svg:width="28cm" svg:height="3cm"><draw:enhanced-geometry draw:type="rectangle"/></draw:custom-shape>
</style:master-page></office:master-styles>
<office:body><office:presentation>
"""


def fodp(i, title, slides):
    pages = []
    for n, (heading, bullets, note) in enumerate(slides, 1):
        items = "".join(f'<text:p><text:span text:style-name="T2">{b}</text:span></text:p>' for b in bullets)
        pages.append(
            f'<draw:page draw:name="s{n}" draw:master-page-name="Default">'
            f'<draw:frame svg:x="1cm" svg:y="0.5cm" svg:width="26cm" svg:height="2cm"><draw:text-box><text:p><text:span text:style-name="T1">{heading}</text:span></text:p></draw:text-box></draw:frame>'
            f'<draw:frame svg:x="1.5cm" svg:y="4cm" svg:width="25cm" svg:height="9cm"><draw:text-box>{items}</draw:text-box></draw:frame>'
            f'<draw:frame svg:x="1.5cm" svg:y="14cm" svg:width="25cm" svg:height="1cm"><draw:text-box><text:p><text:span text:style-name="T3">{title} · {n}</text:span></text:p></draw:text-box></draw:frame>'
            f'<presentation:notes><draw:frame presentation:class="notes" svg:x="2cm" svg:y="14cm" svg:width="17cm" svg:height="12cm"><draw:text-box><text:p>{note}</text:p></draw:text-box></draw:frame></presentation:notes>'
            '</draw:page>')
    with open(path(f"deck-{i}.fodp"), "w", encoding="utf-8") as f:
        f.write(FODP_HEAD.format(title=title, author=PEOPLE[i % len(PEOPLE)]) + "".join(pages) +
                "</office:presentation></office:body></office:document>")


for i, (title, topics) in enumerate([
    ("Quarterly business review", ["Highlights", "Revenue", "Customers", "Hiring", "Next quarter"]),
    ("Platform roadmap 2027", ["Where we are", "Reliability", "Cost", "Security", "Timeline"]),
    ("New starter onboarding", ["Welcome", "Your first week", "Tools", "Who to ask", "Questions"]),
    ("Incident review: billing outage", ["Timeline", "Impact", "Root cause", "What went well", "Actions"]),
    ("Sales kickoff", ["Last year", "Targets", "Territories", "Incentives", "Agenda"]),
]):
    fodp(i, title, [(t, [sentence() for _ in range(3)], "Speaker: " + sentence()) for t in topics * SCALE])

# ------------------------------------------------------------------------------------------
# HTML pages

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="description" content="{desc}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; color: #222; background: #fff; margin: 0; }}
header {{ background: #1f4e79; color: #fff; padding: 1rem 2rem; }}
header a {{ color: #fff; }}
nav a {{ margin-right: 1rem; }}
main {{ max-width: 48rem; margin: 2rem auto; }}
.muted {{ color: #666; font-size: 0.8rem; }}
.note {{ background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem 1rem; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .25rem .5rem; }}
th {{ background: #eef3f8; }}
footer {{ background: #222; color: #ddd; padding: 1rem 2rem; font-size: .8rem; }}
code, pre {{ background: #f4f4f4; }}
</style></head>
<body>
<header><a href="/">{site}</a> <nav><a href="/docs">Docs</a><a href="/blog">Blog</a><a href="/pricing">Pricing</a></nav></header>
<main>
<!-- main content -->
{content}
</main>
<footer>© 2026 {site} · <a href="/privacy">Privacy</a> · <a href="/imprint">Imprint</a></footer>
<script>document.querySelectorAll('time').forEach(function (t) {{ t.title = t.dateTime; }});</script>
</body></html>
"""


def html_page(name, title, site, content):
    with open(path(name), "w", encoding="utf-8") as f:
        f.write(PAGE.format(title=title, desc=title + " — " + site, site=site, content=content))


def paras(k):
    return "\n".join(f"<p>{t}</p>" for t in body(k))


html_page("blog-post.html", "How we cut our cloud bill by a third", "Cedar Engineering",
          "<article><h1>How we cut our cloud bill by a third</h1><p class=\"muted\">Posted <time datetime=\"2026-10-02\">2 October 2026</time> by Mei Lin</p>"
          + paras(4) + '<figure><img src="/img/cost.png" alt="Monthly cost falling from 90k to 60k"><figcaption>Monthly spend, 2026</figcaption></figure>'
          + paras(2) + "</article>")
html_page("product.html", "Harbor Backup — pricing", "Harbor",
          "<h1>Harbor Backup</h1><p>Backups that restore.</p><table><tr><th>Plan</th><th>Storage</th><th>Price</th></tr>"
          + "".join(f"<tr><td>{p}</td><td>{s} TB</td><td>€{c}/month</td></tr>" for p, s, c in [("Starter", 1, 9), ("Team", 10, 49), ("Business", 100, 299)])
          + '</table><p class="note">All plans include encryption at rest and a 30-day free trial.</p>'
          + '<form action="/signup" method="post"><label>E-mail <input type="email" name="email" placeholder="you@example.com"></label>'
          + '<input type="hidden" name="plan" value="team"><button>Start trial</button></form>' + paras(2))
html_page("docs-api.html", "Messages API quickstart", "Quill Docs",
          "<h1>Quickstart</h1><p>Set your key in the environment, then send a first request.</p>"
          "<pre><code>export ANTHROPIC_API_KEY=\"your-key-here\"\n"
          "curl https://api.anthropic.com/v1/messages \\\n  -H \"x-api-key: $ANTHROPIC_API_KEY\" \\\n"
          "  -H \"content-type: application/json\" \\\n  -d '{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 256, \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}'</code></pre>"
          "<p>The response is JSON; see the reference for every field.</p>" + paras(2))
html_page("news.html", "City council approves new tram line", "Harbour Gazette",
          "<article><h1>City council approves new tram line</h1><p class=\"muted\">By Jonas Weber</p>" + paras(5)
          + "<blockquote>“This connects the port to the university in twelve minutes,” the mayor said.</blockquote>" + paras(2) + "</article>")
html_page("faq.html", "Frequently asked questions", "Lumen Sync",
          "<h1>FAQ</h1>" + "".join(f"<details><summary>{q}</summary><p>{sentence()}</p></details>" for q in [
              "How do I reset my password?", "Can I export my data?", "Which browsers are supported?", "How do I cancel?"]))
html_page("status.html", "System status", "Orbit Desk",
          "<h1>System status</h1><ul>" + "".join(f"<li>{s}: <strong style=\"color:#2e7d32\">operational</strong></li>" for s in ["API", "Web app", "Webhooks", "Search"])
          + "</ul><h2>Past incidents</h2>" + paras(2))
html_page("careers.html", "Careers", "Northwind",
          "<h1>Join us</h1>" + "".join(f"<section><h2>{r}</h2><p>{sentence()}</p><p><a href=\"/apply\">Apply</a></p></section>" for r in [
              "Executive assistant to the CFO", "Site reliability engineer", "Account manager, DACH"]))
html_page("newsletter.html", "November newsletter", "Cedar CRM",
          '<table role="presentation" width="100%" style="background:#f4f4f4"><tr><td align="center">'
          '<table role="presentation" width="600" style="background:#ffffff"><tr><td style="padding:24px">'
          "<h1 style=\"color:#1f4e79\">What's new in November</h1>" + paras(3)
          + '<p style="font-size:11px;color:#888888">You receive this because you are a customer. <a href="/unsubscribe">Unsubscribe</a>.</p>'
          "</td></tr></table></td></tr></table>")

# pydoc writes HTML documentation for a module: a real tool's pages.
for module in ["json", "csv"]:
    subprocess.run([sys.executable, "-m", "pydoc", "-w", module], cwd=OUT, check=True, stdout=subprocess.DEVNULL)
    os.replace(path(f"{module}.html"), path(f"pydoc-{module}.html"))

# ------------------------------------------------------------------------------------------
# Markdown READMEs

READMES = {
    "README-cli.md": """# quill

[![build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example.org/quill)

A command-line client for the Quill notes service.

## Install

```sh
curl -fsSL https://get.quill.example/install.sh | sh
```

or with Homebrew: `brew install quill`.

## Usage

```sh
quill login
quill new "Shopping list"
quill sync --all
```

## System requirements

- Linux or macOS
- 50 MB of disk

## Configuration

Settings live in `~/.config/quill/config.toml`. Set `QUILL_TOKEN` to use a token instead of logging in.

## License

MIT
""",
    "README-sdk.md": """# claude-notes

Summarise your notes with Claude.

## Setup

```bash
pip install claude-notes
export ANTHROPIC_API_KEY="your-key-here"
```

The client calls `https://api.anthropic.com/v1/messages` with your key; nothing else leaves your machine.

## Example

```python
from claude_notes import summarise
print(summarise("meeting.md"))
```

## Contributing

Pull requests are welcome. Run `make test` before you open one.
""",
    "README-lib.md": """# fastcsv

Fast CSV parsing for C++20.

| feature | status |
|---|---|
| RFC 4180 | yes |
| streaming | yes |
| UTF-16 | no |

## Building

    cmake -B build && cmake --build build

## Example

```cpp
for (auto& row : fastcsv::reader("data.csv")) std::cout << row[0] << '\\n';
```

<details>
<summary>Benchmarks</summary>

Parsing a 1 GB file takes 1.9 s on one core.

</details>
""",
    "CONTRIBUTING.md": """# Contributing

Thanks for helping! Please read these instructions before you open a pull request.

1. Fork the repository and create a branch.
2. Follow the style guide; run `make lint`.
3. Add tests for every change.
4. You must sign off your commits (`git commit -s`).

## Reporting security issues

Do not open a public issue; write to security@example.org instead.
""",
    "CHANGELOG.md": """# Changelog

## 2.4.0 — 2026-11-02
- New: export to PDF.
- Fixed: sync no longer stalls on slow networks.

## 2.3.1 — 2026-09-15
- Fixed: the installer ignored `--prefix`.

## 2.3.0 — 2026-08-01
- New: system tray icon on Linux.
- Changed: the assistant view is now called "Helper".
""",
    "notes-recipe.md": """# Grandma's lemon cake

### Ingredients
- 200 g flour, 200 g sugar, 4 eggs, 2 lemons

### Instructions
1. Heat the oven to 180 °C.
2. Beat the eggs with the sugar, then fold in the flour and the zest.
3. Bake for 40 minutes; pour the lemon syrup over while warm.

![The finished cake](https://images.example.org/cake.jpg "Lemon cake")
""",
}
for name, text in READMES.items():
    with open(path(name), "w", encoding="utf-8") as f:
        f.write(text + "\n".join(body(1)) + "\n")

# ------------------------------------------------------------------------------------------
# text, CSV, JSON

with open(path("meeting-notes.txt"), "w", encoding="utf-8") as f:
    f.write("Notes — platform sync, 24 Nov\n\n" + "\n\n".join(body(4)) + "\n")
with open(path("server.log"), "w", encoding="utf-8") as f:
    t = datetime.datetime(2026, 11, 24, 9, 0, 0)
    for n in range(300 * SCALE):
        t += datetime.timedelta(seconds=rng.randint(1, 30))
        f.write(f"{t.isoformat()} {rng.choice(['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'])} "
                f"{rng.choice(['http', 'db', 'auth', 'sync'])}: {rng.choice(['GET /api/notes 200', 'POST /api/sync 201', 'pool size 12', 'token refreshed for user 4411', 'retrying in 2s', 'GET /healthz 200'])}\n")
with open(path("LICENSE.txt"), "w", encoding="utf-8") as f:
    f.write("MIT License\n\nCopyright (c) 2026 Quill\n\nPermission is hereby granted, free of charge, to any person obtaining a copy "
            "of this software and associated documentation files (the \"Software\"), to deal in the Software without restriction.\n\n"
            "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND.\n")
with open(path("todo.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(f"[{'x' if rng.random() < .4 else ' '}] {s}" for s in [
        "renew the TLS certificate", "ask the assistant to book the offsite venue", "send the invoice to Northwind",
        "review Priya's pull request", "order new badges", "update the on-call rota"] * SCALE) + "\n")

for name, (cols, gen) in {
    "customers.csv": (["id", "name", "city", "plan", "since"], lambda n: [n, rng.choice(PEOPLE), rng.choice(["Porto", "Oslo", "Graz"]), rng.choice(["Starter", "Team"]), f"20{rng.randint(18, 26)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"]),
    "transactions.csv": (["date", "account", "amount", "currency", "memo"], lambda n: [f"2026-11-{rng.randint(1, 28):02d}", f"ACC-{rng.randint(100, 999)}", f"{rng.uniform(-900, 900):.2f}", "EUR", rng.choice(["card", "transfer", "refund", "fee"])]),
    "survey.csv": (["respondent", "score", "comment"], lambda n: [n, rng.randint(1, 10), rng.choice(["great support", "too slow on mobile", "the new system is easier", "would recommend", ""])]),
    "stock.csv": (["sku", "on_hand", "reorder_at"], lambda n: [f"SKU-{n}", rng.randint(0, 500), rng.randint(20, 80)]),
}.items():
    with open(path(name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";" if name == "stock.csv" else ",")
        w.writerow(cols)
        for n in range(60 * SCALE):
            w.writerow(gen(n))

JSON = {
    "package.json": {"name": "quill-web", "version": "2.4.0", "private": True, "scripts": {"build": "vite build", "test": "vitest run", "install-hooks": "sh scripts/hooks.sh"},
                     "dependencies": {"react": "^19.0.0", "react-dom": "^19.0.0"}, "devDependencies": {"vite": "^8.0.0", "vitest": "^3.0.0"}},
    "settings.json": {"editor.fontSize": 13, "files.exclude": {"**/.git": True}, "terminal.integrated.shell.linux": "/bin/bash", "python.defaultInterpreterPath": "/usr/bin/python3"},
    "api-response.json": {"object": "list", "data": [{"id": f"note_{n}", "title": rng.choice(["Groceries", "Standup", "Ideas", "Travel"]), "body": sentence(), "updated_at": f"2026-11-{rng.randint(1, 28):02d}T10:00:00Z"} for n in range(20 * SCALE)], "has_more": False},
    "chat-export.json": {"conversation": [{"role": "user", "content": "Can you summarise the Q3 report?"}, {"role": "assistant", "content": "Revenue grew 12%; travel was over budget."}, {"role": "user", "content": "Thanks, please draft an e-mail to the team."}]},
    "places.geojson.json": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": c}, "geometry": {"type": "Point", "coordinates": [rng.uniform(-10, 20), rng.uniform(40, 60)]}} for c in ["Porto", "Oslo", "Graz", "Leeds"]]},
}
for name, value in JSON.items():
    with open(path(name), "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)

# ------------------------------------------------------------------------------------------
# e-mail

def mail(name, subject, text, html=None, attachment=None):
    m = EmailMessage()
    m["From"] = f"{PEOPLE[0]} <amira@northwind.example>"
    m["To"] = f"{PEOPLE[1]} <jonas@northwind.example>"
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime.datetime(2026, 11, 24, 9, 30, tzinfo=datetime.timezone.utc))
    m["Message-ID"] = f"<{name}@northwind.example>"
    m["X-Mailer"] = "Thunderbird 128.4"
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    if attachment:
        with open(path(attachment), "rb") as f:
            data = f.read()
        maintype, subtype = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document") if attachment.endswith(".docx") else ("text", "csv")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment)
    with open(path(name), "wb") as f:
        f.write(bytes(m))


mail("plain.eml", "Lunch on Thursday?", "Hi Jonas,\n\nare you free for lunch on Thursday? The new place by the harbour.\n\nAmira\n")
mail("report.eml", "Q3 report attached", "Hi,\n\nthe Q3 report is attached; comments by Friday please.\n\n" + paragraph(3) + "\n\nAmira\n",
     attachment="report-finance.docx")
mail("newsletter.eml", "November newsletter", "What's new in November:\n\n" + paragraph(3),
     html="<html><body><h1 style=\"color:#1f4e79\">What's new</h1><p>" + paragraph(3) + "</p><p style=\"font-size:11px;color:#888\">Unsubscribe any time.</p></body></html>")
mail("export.eml", "Customer export", "Attached is the export you asked for.\n", attachment="customers.csv")
mail("reply.eml", "Re: Office move", "Sounds good, see you there.\n\n> On Mon, Jonas wrote:\n> The move is on the 12th; please pack your desk by the 11th.\n> " + sentence() + "\n",
     html="<html><body><p>Sounds good, see you there.</p><blockquote>The move is on the 12th; please pack your desk by the 11th.</blockquote></body></html>")
mail("assistant.eml", "Travel booking", "Hi Sofia,\n\ncould you ask my assistant to book the 7:40 train to Porto and a hotel near the office?\n\nThanks,\nAmira\n")
