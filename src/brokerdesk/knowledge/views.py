"""Knowledge-base pages: the list with search (htmx: results refresh as one types), an article, and the editor
(create, edit; errors in place), publish and archive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.forms import put_errors
from brokerdesk.knowledge import selectors, services
from brokerdesk.knowledge.choices import ArticleStatus
from brokerdesk.knowledge.forms import ArticleForm

LIST_LIMIT = 200


def _article_or_404(user, article_id):
    try:
        return selectors.article_get_for_actor(user, article_id)
    except NotFound:
        raise Http404 from None


@login_required
@permission_required("knowledge.view_article", raise_exception=True)
def article_list(request):
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    can_edit = request.user.has_perm("knowledge.change_article")
    if not can_edit:
        status = ""
    if query:
        rows = [(a, score) for a, score in selectors.knowledge_search(request.user, query, 30, status=status)]
    else:
        rows = [(a, None) for a in selectors.article_list(request.user, status=status)[:LIST_LIMIT]]
    results = [{"article": a, "score": score, "excerpt": selectors.excerpt(a.body)} for a, score in rows]
    context = {"results": results, "query": query, "status": status, "statuses": ArticleStatus.choices,
               "can_edit": can_edit, "can_add": request.user.has_perm("knowledge.add_article")}
    template = "knowledge/_results.html" if request.htmx and request.htmx.target == "kb-results" else \
        "knowledge/list.html"
    return render(request, template, context)


@login_required
@permission_required("knowledge.view_article", raise_exception=True)
def article_detail(request, article_id: int):
    article = _article_or_404(request.user, article_id)
    return render(request, "knowledge/detail.html", {
        "article": article, "can_edit": request.user.has_perm("knowledge.change_article"),
        "can_publish": request.user.has_perm("knowledge.publish_article")})


def _input(data: dict) -> services.ArticleInput:
    category = data.get("category")
    return services.ArticleInput(title=data["title"], body=data["body"], keywords=data.get("keywords", ""),
                                 category_id=category.pk if category else None)


@login_required
@permission_required("knowledge.add_article", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_create(request):
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(actor=request.user, data=_input(form.cleaned_data))
        except ApplicationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Publish it when it is ready."))
            return _to_detail(request, article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": None},
                  status=422 if request.method == "POST" else 200)


@login_required
@permission_required("knowledge.change_article", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_edit(request, article_id: int):
    article = _article_or_404(request.user, article_id)
    initial = {"title": article.title, "category": article.category_id, "keywords": article.keywords,
               "body": article.body, "version": article.version}
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.article_update(actor=request.user, article_id=article.pk, data=_input(form.cleaned_data),
                                        version=form.cleaned_data.get("version") or article.version)
            except ApplicationError as error:
                put_errors(form, error)
                status = error.status if error.status != 400 else 422
            else:
                messages.success(request, _("Article saved."))
                return _to_detail(request, article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": article}, status=status)


def _to_detail(request, article_id):
    response = redirect("knowledge:detail", article_id)
    if request.htmx:  # the editor posts with htmx: a redirect would be followed and swapped in; go there instead
        return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


@login_required
@permission_required("knowledge.publish_article", raise_exception=True)
@require_POST
def article_act(request, article_id: int, action: str):
    handlers = {"publish": services.article_publish, "archive": services.article_archive}
    if action not in handlers:
        raise Http404
    article = _article_or_404(request.user, article_id)
    try:
        handlers[action](actor=request.user, article_id=article.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Article published.") if action == "publish" else _("Article archived."))
    return redirect("knowledge:detail", article.pk)
