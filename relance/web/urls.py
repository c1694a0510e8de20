from django.contrib.auth import views as auth_views
from django.urls import path

from . import customer_work, editors, imports, rates, replies, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invoices/overdue/", views.overdue, name="overdue"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path(
        "invoices/<int:pk>/document/", views.invoice_document, name="invoice_document"
    ),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path(
        "customers/<int:pk>/documents/<slug:kind>/",
        views.customer_document,
        name="customer_document",
    ),
    path("holds/<int:pk>/proof/", views.hold_proof, name="hold_proof"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/resolve/", views.outbox_resolve, name="outbox_resolve"),
    path("outbox/<int:pk>/", views.message_detail, name="message"),
    path("outbox/<int:pk>/resolve/", views.message_resolve, name="message_resolve"),
    path("customers/<int:pk>/holds/", customer_work.hold_add, name="hold_add"),
    path("customers/<int:pk>/notes/", customer_work.note_add, name="note_add"),
    path("holds/<int:pk>/end/", customer_work.hold_end, name="hold_end"),
    path("plans/<int:pk>/cancel/", customer_work.plan_cancel, name="plan_cancel"),
    path("settings/policies/", editors.policy_list, name="policies"),
    path("settings/policies/<slug:segment>/", editors.policy_edit, name="policy"),
    path("settings/templates/", editors.template_list, name="templates"),
    path("settings/rates/", rates.rate_list, name="rates"),
    path(
        "settings/templates/<slug:name>/<slug:lang>/",
        editors.template_edit,
        name="template",
    ),
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/call/", views.call_record, name="call_record"),
    path("approvals/", views.approvals_queue, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("actions/<int:pk>/document/", views.action_document, name="action_document"),
    path("bank/review/", views.bank_review, name="bank_review"),
    path("bank/review/<int:pk>/", views.bank_review_decide, name="bank_review_decide"),
    path("replies/", replies.reply_list, name="replies"),
    path("replies/<int:pk>/", replies.reply_decide, name="reply_decide"),
    path("tasks/<int:pk>/done/", replies.task_done, name="task_done"),
    path("run/", views.run_today, name="run_today"),
    path("org/switch/", views.switch_org, name="switch_org"),
]
