"""Synthetic distractor FAQ entries: realistic questions on OTHER business topics.

A knowledge base the engine serves may be much larger than the shipped one, and
most of it may be about something else. These entries are generated from word
lists with a fixed seed (accounting software, office leases, marketing,
logistics, hiring, taxes, insurance, banking, legal, IT, e-commerce, sales...),
phrased the way a small-business owner would ask, and they share everyday words
with the shipped knowledge base (cost, pay, skills, risks, examples, difference,
jobs...), so they compete for the same candidates. They never mention KPO, BPO
or outsourcing: a question about those must still reach the shipped entries.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

from bot.knowledge import FaqEntry, KnowledgeBase

SEED = 20240607
PREFIX = "synthetic_"
"""Ids of distractor entries start with this."""

TOPICS: dict[str, list[str]] = {
    "accounting software": [
        "accounting software", "bookkeeping software", "quickbooks", "xero", "sage accounting",
        "freshbooks", "zoho books", "an invoicing app", "a general ledger", "bank reconciliation",
        "a chart of accounts", "expense tracking", "double entry bookkeeping", "cash basis accounting",
        "accrual accounting", "month end close", "receipt scanning", "cloud accounting",
        "payroll software", "a bookkeeper",
    ],
    "office leases": [
        "an office lease", "a sublease", "a coworking space", "a break clause", "a service charge",
        "a rent review", "a security deposit", "a serviced office", "a virtual office",
        "a commercial mortgage", "a fit out", "dilapidations", "a lease renewal", "a hot desk",
        "office furniture", "a landlord", "business rates", "a shared workspace",
        "a warehouse lease", "a retail unit",
    ],
    "marketing": [
        "seo", "an email campaign", "social media ads", "brand awareness", "a landing page",
        "conversion rate", "content marketing", "influencer marketing", "pay per click",
        "google ads", "a newsletter", "a marketing funnel", "customer personas", "a press release",
        "a loyalty program", "word of mouth", "a rebrand", "a logo", "a trade show booth",
        "affiliate marketing",
    ],
    "logistics": [
        "freight forwarding", "last mile delivery", "a warehouse", "pallet shipping",
        "a shipping container", "customs clearance", "a courier", "dropshipping", "inventory turnover",
        "stock control", "a delivery van", "fleet management", "cold chain storage",
        "route planning", "import duties", "incoterms", "a bill of lading", "returns handling",
        "packaging", "a fulfilment centre",
    ],
    "hiring": [
        "a job interview", "onboarding", "a probation period", "a notice period", "a reference check",
        "a job advert", "an employment contract", "a background check", "a signing bonus",
        "remote staff", "an apprenticeship", "an internship", "a performance review",
        "a staff handbook", "a redundancy", "a non compete clause", "a recruiter", "a headhunter",
        "part time staff", "a zero hours contract",
    ],
    "taxes": [
        "a vat return", "sales tax", "corporation tax", "capital allowances", "a tax deduction",
        "estimated tax", "a self assessment return", "an audit by the tax office",
        "a tax accountant", "depreciation", "mileage allowance", "a tax year end", "a dividend",
        "payroll tax", "a tax credit", "a tax code", "withholding tax", "a 1099 form",
        "an llc tax election", "import vat",
    ],
    "insurance": [
        "public liability insurance", "professional indemnity insurance", "employers liability cover",
        "business interruption insurance", "cyber insurance", "key person insurance",
        "product liability insurance", "a fleet insurance policy", "an insurance broker",
        "an excess", "a claim", "buildings insurance", "contents insurance", "health cover for staff",
        "directors and officers insurance", "stock insurance", "goods in transit cover",
        "an insurance premium", "legal expenses cover", "tools insurance",
    ],
    "banking": [
        "a business bank account", "an overdraft", "a merchant account", "a card reader",
        "a small business loan", "invoice factoring", "a line of credit", "a business credit card",
        "a cash flow forecast", "a startup grant", "angel investors", "venture capital",
        "crowdfunding", "a personal guarantee", "an asset finance deal", "a bank transfer fee",
        "foreign exchange", "a payment gateway", "a direct debit", "a credit score",
    ],
    "legal": [
        "a limited company", "a sole trader", "a partnership agreement", "a trademark",
        "a patent", "terms and conditions", "a privacy policy", "gdpr", "a shareholder agreement",
        "a company director", "a non disclosure agreement", "a late payment claim",
        "a company registration", "a business name", "copyright", "a supplier contract",
        "a cookie banner", "a dispute with a customer", "a franchise agreement", "company accounts filing",
    ],
    "it": [
        "a website", "a domain name", "web hosting", "a crm", "antivirus software",
        "a password manager", "cloud backup", "two factor authentication", "a vpn",
        "office 365", "google workspace", "a point of sale system", "a laptop for the team",
        "a phone system", "wifi for the office", "a booking system", "a helpdesk tool",
        "a company email address", "ransomware", "an it support contract",
    ],
    "ecommerce": [
        "a shopify store", "an amazon seller account", "product photos", "shipping rates",
        "a returns policy", "abandoned carts", "a discount code", "product reviews",
        "an etsy shop", "a subscription box", "marketplace fees", "a checkout page",
        "stock images", "a product description", "a wholesale price list", "a pre order",
        "a gift card", "a flash sale", "a product launch", "a customer account page",
    ],
    "sales": [
        "a sales pipeline", "cold calling", "a sales script", "a proposal", "a quote",
        "a discount", "a sales target", "a commission plan", "a referral scheme", "a price increase",
        "upselling", "a follow up email", "a sales meeting", "a trade discount", "a tender",
        "a pricing page", "a free trial", "a demo", "lead generation", "a customer contract",
    ],
    "operations": [
        "a business plan", "a swot analysis", "key performance indicators", "a budget",
        "a break even point", "a profit margin", "a supplier", "a stock take", "a health and safety policy",
        "a risk assessment", "opening hours", "a business continuity plan", "a board meeting",
        "quality control", "lean manufacturing", "a cleaning contract", "a security guard",
        "waste collection", "energy bills", "a company car",
    ],
}

ROLES = [
    "bookkeeper", "accountant", "office manager", "marketing manager", "social media manager",
    "warehouse operative", "delivery driver", "logistics coordinator", "recruiter", "hr manager",
    "tax adviser", "insurance broker", "bank manager", "solicitor", "paralegal", "web developer",
    "it technician", "graphic designer", "copywriter", "sales representative", "account manager",
    "store manager", "shop assistant", "receptionist", "personal assistant", "project manager",
    "operations manager", "chef", "barista", "electrician", "plumber", "cleaner", "security guard",
    "forklift driver", "customer success manager", "product manager", "ux designer",
    "photographer", "event planner", "estate agent",
]

BUSINESSES = [
    "a bakery", "a cafe", "a restaurant", "a law firm", "a dental clinic", "a startup",
    "a small shop", "an online store", "a hair salon", "a gym", "a plumbing company",
    "a building firm", "a consultancy", "a design studio", "a charity", "a florist",
    "a garage", "a hotel", "a nursery", "a vet practice", "a freelancer", "a pharmacy",
    "a printing company", "a cleaning company", "a food truck", "a brewery", "a bike shop",
    "a bookshop", "a photography studio", "a tutoring service", "a farm", "a software company",
    "a family business", "a corner shop", "a fashion brand", "a removals company",
    "a pet groomer", "a yoga studio", "a wedding planner", "a taxi firm",
]

SUBJECT_INTENTS: dict[str, list[str]] = {
    "define": ["what is {s}", "what does {s} mean", "{s} meaning", "explain {s}",
               "{s} explained simply", "how does {s} work", "can you explain {s} in simple words",
               "what exactly is {s}"],
    "cost": ["how much does {s} cost", "{s} price", "is {s} expensive", "average cost of {s}",
             "how much should i budget for {s}", "cheapest way to get {s}", "what is a fair price for {s}",
             "{s} fees"],
    "choose": ["how do i choose {s}", "best {s} for a small business", "which {s} should i pick",
               "tips for choosing {s}", "what to look for in {s}", "how to find good {s}",
               "recommend {s}"],
    "compare": ["{s} vs {t}", "difference between {s} and {t}", "{s} or {t} which is better",
                "how is {s} different from {t}", "compare {s} and {t}", "should i get {s} or {t}"],
    "risks": ["what are the risks of {s}", "common mistakes with {s}", "{s} pitfalls", "is {s} risky",
              "what can go wrong with {s}", "downsides of {s}"],
    "setup": ["how do i set up {s}", "how to get started with {s}", "steps to set up {s}",
              "{s} checklist", "how long does {s} take", "what do i need for {s}"],
    "benefit": ["is {s} worth it", "benefits of {s}", "why use {s}", "advantages of {s}",
                "pros and cons of {s}", "do i really need {s}"],
    "examples": ["examples of {s}", "give me an example of {s}", "show me a good example of {s}",
                 "{s} examples", "sample of {s}"],
}

ROLE_INTENTS: dict[str, list[str]] = {
    "pay": ["how much does a {r} earn", "{r} salary", "average pay for a {r}",
            "what does a {r} get paid", "{r} wages per hour", "is a {r} well paid"],
    "skills": ["what skills does a {r} need", "how do i become a {r}", "{r} qualifications",
               "what does a {r} do all day", "{r} job description", "do i need a degree to be a {r}"],
    "hire": ["how do i hire a {r}", "where to find a good {r}", "interview questions for a {r}",
             "should i hire a {r} full time", "{r} contract template", "how many hours should a {r} work"],
}

CONTEXTS = ["for {b}", "for my {b}", "as {b}", "when running {b}", "in {b}", "for {b} in the uk",
            "for {b} in the us", "for {b} with five staff"]


def _phrase(template: str, b: str, rng: random.Random, **values: str) -> str:
    text = template.format(**values)
    if rng.random() < 0.85:
        text = f"{text} {rng.choice(CONTEXTS).format(b=b)}"
    if rng.random() < 0.15:
        text += "?"
    return text


def _entries(rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    """(question, phrasings) of distinct intents, each about one subject or role and one kind of business."""
    subjects = [(topic, s) for topic, items in TOPICS.items() for s in items]
    while True:
        b = rng.choice(BUSINESSES)
        if rng.random() < 0.75:
            topic, s = rng.choice(subjects)
            intent = rng.choice(list(SUBJECT_INTENTS))
            t = rng.choice([x for x in TOPICS[topic] if x != s])
            templates = SUBJECT_INTENTS[intent]
            texts = [_phrase(tpl, b, rng, s=s, t=t) for tpl in templates]
        else:
            r = rng.choice(ROLES)
            templates = ROLE_INTENTS[rng.choice(list(ROLE_INTENTS))]
            texts = [_phrase(tpl, b, rng, r=r) for tpl in templates]
        texts = list(dict.fromkeys(texts))
        yield texts[0], texts[1:]


def shipped_phrasings(kb: KnowledgeBase) -> int:
    """FAQ phrasings of a knowledge base, counting each entry's question."""
    return sum(1 + len(e.phrasings) for e in kb.faq.values())


def with_distractors(kb: KnowledgeBase, total: int, seed: int = SEED) -> KnowledgeBase:
    """The knowledge base plus distractor entries, `total` FAQ phrasings in all (in memory)."""
    need = total - shipped_phrasings(kb)
    if need <= 0:
        return kb
    rng = random.Random(seed)
    source = next(iter(kb.sources))
    faq = dict(kb.faq)
    made = 0
    for n, (question, phrasings) in enumerate(_entries(rng)):
        if made >= need:
            break
        phrasings = phrasings[: max(need - made - 1, 0)]
        entry_id = f"{PREFIX}{n:06d}"
        faq[entry_id] = FaqEntry(
            id=entry_id, question=question, short=question[:40], phrasings=tuple(phrasings),
            answer=f"(synthetic distractor) An answer about: {question}.", related=(),
            sources=(source,),
        )
        made += 1 + len(phrasings)
    return replace(kb, faq=faq)


def other_topic_questions(count: int, seed: int = SEED + 1) -> list[str]:
    """Questions about the distractors' topics as users type them (new wording, some typos)."""
    rng = random.Random(seed)
    out: list[str] = []
    for question, phrasings in _entries(rng):
        if len(out) >= count:
            break
        text = rng.choice([question, *phrasings])
        if rng.random() < 0.4:
            words = text.split()
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) >= 5:
                j = rng.randrange(1, len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            text = " ".join(words)
        out.append(text)
    return out
