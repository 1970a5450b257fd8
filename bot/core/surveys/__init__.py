"""Resident consultations (the article's kartläggning): surveys as content, anonymous answers.

The surveys themselves are content (bot/content/surveys.py loads and validates them); their
texts are in the one registry (bot/content/texts.py). Here:

stability.py  a survey that has answers may not lose or renumber a question (check-content)
results.py    tallies as text: counts, shares, means; free text only from enough respondents
flow.py       the resident's way through a survey, one question at a time (state in the DB)
questions.py  how a question is put (text, buttons, "2/5") and a draft read back as answers
waiting.py    which chats have a survey in progress, remembered by SQLite's sole writer
staff.py      /survey start|results|close|publish and /surveys for staff
export.py     `omradesbot survey export`: one CSV row per response
"""
