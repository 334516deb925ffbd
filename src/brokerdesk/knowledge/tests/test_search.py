"""Chinese search over the seed knowledge base and articles written in the test."""

import pytest

from brokerdesk.knowledge import search, services
from brokerdesk.knowledge.models import Article, ArticleTerm
from brokerdesk.knowledge.selectors import knowledge_search
from brokerdesk.knowledge.text import terms

pytestmark = pytest.mark.django_db


def _titles(actor, query, limit=5):
    return [a.title for a, _ in knowledge_search(actor, query, limit)]


def test_it_cuts_questions_into_terms_without_stop_words_and_punctuation():
    assert terms("融资融券怎么开通？") == ["融资", "融券", "融资融券", "开通"]
    assert "的" not in terms("我的密码忘了，怎么办！")
    assert terms("，。！？  ") == []


@pytest.mark.parametrize(("question", "expected"), [
    ("融资融券怎么开通", "融资融券开通条件和流程"),
    ("两融开通要多少资产", "融资融券开通条件和流程"),
    ("科创板权限", "科创板交易权限开通条件"),
    ("创业板需要什么条件", "创业板交易权限开通条件"),
    ("港股通怎么开", "港股通开通条件"),
    ("交易密码忘记了", "交易密码、资金密码忘记了怎么重置"),
    ("我想转户到你们公司", "转户（转托管）怎么办理"),
    ("几点开盘", "A股交易时间是什么时候"),
    ("打新中签了怎么缴款", "新股申购（打新）规则"),
    ("佣金是多少", "交易手续费和佣金怎么收取"),
    ("银证转账", "银证转账怎么操作"),
    ("我要投诉", "投诉与建议渠道"),
])
def test_it_ranks_the_article_that_answers_a_chinese_question_first(users, question, expected):
    assert _titles(users["agent"], question)[0] == expected


def test_it_answers_with_confidence_only_when_an_article_covers_the_question():
    article, score = search.best_answer("融资融券怎么开通")
    assert article.title == "融资融券开通条件和流程" and score > 0
    assert search.best_answer("今天天气怎么样") is None
    assert search.best_answer("？？？") is None
    assert search.best_answer("") is None


def test_it_weighs_a_title_hit_above_the_same_word_in_a_body(users):
    editor = users["supervisor"]
    in_body = services.article_create(actor=editor, data=services.ArticleInput(
        title="账户资料更新", body="更新地址时顺便可以核对紫金卡的状态和有效期，以及其他资料。"))
    in_title = services.article_create(actor=editor, data=services.ArticleInput(
        title="紫金卡挂失", body="卡片丢失请及时致电挂失，并携带身份证到营业部补办。"))
    for a in (in_body, in_title):
        services.article_publish(actor=editor, article_id=a.pk)
    assert _titles(editor, "紫金卡")[:2] == ["紫金卡挂失", "账户资料更新"]


def test_it_never_offers_a_draft_or_archived_article_to_the_bot_or_to_viewers(users):
    editor, agent = users["supervisor"], users["agent"]
    draft = services.article_create(actor=editor, data=services.ArticleInput(
        title="量子钱包开通条件", body="量子钱包开通需要完成实名认证。", keywords="量子钱包"))
    assert search.best_answer("量子钱包怎么开通") is None
    assert _titles(agent, "量子钱包") == []
    assert _titles(editor, "量子钱包") == ["量子钱包开通条件"]  # editors find their drafts

    services.article_publish(actor=editor, article_id=draft.pk)
    assert search.best_answer("量子钱包怎么开通")[0].pk == draft.pk
    assert _titles(agent, "量子钱包") == ["量子钱包开通条件"]

    services.article_archive(actor=editor, article_id=draft.pk)
    assert search.best_answer("量子钱包怎么开通") is None
    assert _titles(agent, "量子钱包") == []


def test_it_reindexes_an_article_when_its_text_changes(users):
    editor = users["supervisor"]
    article = services.article_create(actor=editor, data=services.ArticleInput(
        title="星光理财介绍", body="星光理财是一款产品。"))
    services.article_publish(actor=editor, article_id=article.pk)
    services.article_update(actor=editor, article_id=article.pk, version=1, data=services.ArticleInput(
        title="月光理财介绍", body="月光理财是一款产品。"))
    assert not ArticleTerm.objects.filter(article=article, term="星光").exists()
    assert _titles(editor, "月光理财")[0] == "月光理财介绍"
    assert "星光理财介绍" not in _titles(editor, "星光")
    assert Article.objects.get(pk=article.pk).term_count == sum(
        ArticleTerm.objects.filter(article=article).values_list("weight", flat=True))


def test_it_finds_nothing_for_someone_without_the_permission(org):
    from brokerdesk.org.models import Staff

    nobody = Staff.objects.create(username="no_role", scope="company")
    assert _titles(nobody, "融资融券") == []
    assert knowledge_search(None, "融资融券") == []
