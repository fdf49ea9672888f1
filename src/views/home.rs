//! The home page every visitor sees, and the signed-in person's dashboard: what needs
//! them, by role.

use askama::Template;
use askama_web::WebTemplate;

use chrono::{NaiveDate, NaiveDateTime};

use super::PageCtx;
use crate::domain::application::Status;
use crate::domain::role::Role;
use crate::workflows::dashboard::{ProviderWork, StaffWork};

#[derive(Template, WebTemplate)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageCtx,
    /// A provider's own matters, for provider staff.
    pub provider: Option<ProviderDashboard>,
    /// How many applications wait on the committee member, or stand at each stage for
    /// the secretariat and the auditor.
    pub staff: Vec<CountLink>,
}

impl DashboardPage {
    /// The card about the committee's inbox: an auditor reads it, others work it.
    pub fn inbox_text_key(&self) -> &'static str {
        if self.ctx.role() == Some(Role::Auditor) {
            "dashboard-inbox-text-auditor"
        } else {
            "dashboard-inbox-text"
        }
    }

    pub fn staff_title_key(&self) -> &'static str {
        if self.ctx.role() == Some(Role::Auditor) {
            "dashboard-under-way"
        } else {
            "dashboard-needs-you"
        }
    }
}

/// Something to do by a date.
#[derive(Debug, Clone)]
pub struct TodoItem {
    pub text: String,
    pub link: String,
    /// The date it is due, in Vientiane; empty when nothing is due from the reader.
    pub due: String,
    /// "12 days left", "Due today", "3 days late".
    pub left: String,
    /// `late`, `due-soon` (a week or less) or empty: the mark beside it.
    pub urgency: &'static str,
}

impl TodoItem {
    pub fn due_on(
        ctx: &PageCtx,
        text: String,
        link: String,
        due: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        let days = (due - today).num_days();
        let left = match days {
            0 => ctx.t("dashboard-due-today"),
            d if d > 0 => ctx.t1("dashboard-days-left", "days", &d.to_string()),
            d => ctx.t1("dashboard-days-late", "days", &(-d).to_string()),
        };
        Self {
            text,
            link,
            due: due.to_string(),
            left,
            urgency: match days {
                d if d < 0 => "late",
                d if d <= 7 => "due-soon",
                _ => "",
            },
        }
    }

    /// Something under way that waits on someone else.
    pub fn waiting(text: String, link: String) -> Self {
        Self {
            text,
            link,
            due: String::new(),
            left: String::new(),
            urgency: "",
        }
    }
}

/// A draft not yet submitted.
#[derive(Debug, Clone)]
pub struct DraftRow {
    pub link: String,
    pub kind: String,
    pub counterparty: String,
    pub updated: String,
}

/// A number of things with a label and where to see them.
#[derive(Debug, Clone)]
pub struct CountLink {
    pub count: usize,
    pub label: String,
    pub link: String,
    /// The status badge's class, for counts of applications by state.
    pub status: &'static str,
}

/// What a provider's dashboard shows.
#[derive(Debug, Clone)]
pub struct ProviderDashboard {
    /// Information requests, show-cause notices and disconnections, soonest first.
    pub todo: Vec<TodoItem>,
    pub drafts: Vec<DraftRow>,
    pub expiring: Vec<TodoItem>,
    pub by_state: Vec<CountLink>,
}

impl ProviderDashboard {
    pub fn new(ctx: &PageCtx, work: &ProviderWork, today: NaiveDate) -> Self {
        let local = crate::domain::clock::date_in_vientiane;
        let mut todo: Vec<(NaiveDate, TodoItem)> = Vec::new();
        for (app, request) in &work.requests {
            let reference = app.reference.clone().unwrap_or_default();
            let due = local(&request.deadline_at);
            todo.push((
                due,
                TodoItem::due_on(
                    ctx,
                    ctx.t1("dashboard-answer-request", "reference", &reference),
                    format!("/applications/{}", app.id),
                    due,
                    today,
                ),
            ));
        }
        for (connection, case) in &work.cases {
            let link = format!("/connections/{}", connection.id);
            let number = connection.approval_number.as_str();
            let due = local(&case.response_deadline);
            let item = if case.answered_at.is_some() {
                TodoItem::waiting(
                    ctx.t1("dashboard-show-cause-answered", "number", number),
                    link,
                )
            } else {
                TodoItem::due_on(
                    ctx,
                    ctx.t1("dashboard-answer-show-cause", "number", number),
                    link,
                    due,
                    today,
                )
            };
            todo.push((due, item));
        }
        for connection in &work.disconnections {
            let Some(deadline) = connection.disconnection_deadline else {
                continue;
            };
            let due = local(&deadline);
            todo.push((
                due,
                TodoItem::due_on(
                    ctx,
                    ctx.t1(
                        "dashboard-disconnect",
                        "number",
                        &connection.approval_number,
                    ),
                    format!("/connections/{}", connection.id),
                    due,
                    today,
                ),
            ));
        }
        todo.sort_by_key(|(due, _)| *due);
        let drafts = work
            .applications
            .iter()
            .filter(|a| a.status == Status::Draft)
            .map(|a| DraftRow {
                link: format!("/applications/{}/edit", a.id),
                kind: ctx.t(a.kind.label_key()),
                counterparty: a.content.get("counterparty_name").to_string(),
                updated: ctx.local_date(&a.updated_at),
            })
            .collect();
        let expiring = work
            .expiring
            .iter()
            .map(|c| {
                TodoItem::due_on(
                    ctx,
                    ctx.t1("dashboard-expires", "number", &c.approval_number),
                    format!("/connections/{}", c.id),
                    c.valid_until,
                    today,
                )
            })
            .collect();
        let by_state = Status::ALL
            .iter()
            .filter_map(|status| {
                let count = work
                    .applications
                    .iter()
                    .filter(|a| a.status == *status)
                    .count();
                (count > 0).then(|| CountLink {
                    count,
                    label: ctx.t(status.label_key()),
                    link: "/applications".to_string(),
                    status: status.as_str(),
                })
            })
            .collect();
        Self {
            todo: todo.into_iter().map(|(_, item)| item).collect(),
            drafts,
            expiring,
            by_state,
        }
    }
}

/// The counts a member of the committee staff sees first, by role.
pub fn staff_counts(
    ctx: &PageCtx,
    role: Role,
    work: &StaffWork,
    now: NaiveDateTime,
) -> Vec<CountLink> {
    let in_states = |states: &[Status]| {
        work.open
            .iter()
            .filter(|(a, _, _)| states.contains(&a.status))
            .count()
    };
    let overdue = work
        .open
        .iter()
        .filter(|(a, _, _)| crate::views::applications::is_overdue(a, now))
        .count();
    let count = |count: usize, key: &str| CountLink {
        count,
        label: ctx.t(key),
        link: "/committee".to_string(),
        status: "",
    };
    let mut counts = Vec::new();
    match role {
        Role::Secretariat | Role::Auditor => {
            counts.push(count(
                in_states(&[Status::Submitted, Status::Screening]),
                "inbox-to-screen",
            ));
            counts.push(count(
                in_states(&[Status::InfoRequested]),
                "inbox-waiting-provider",
            ));
            counts.push(count(in_states(&[Status::InReview]), "inbox-in-review"));
            counts.push(count(in_states(&[Status::Voting]), "inbox-voting"));
            counts.push(count(overdue, "inbox-overdue"));
        }
        Role::Reviewer | Role::Chair => {
            counts.push(count(work.my_reviews.len(), "inbox-my-reviews"));
            counts.push(count(work.my_votes.len(), "inbox-my-votes"));
            if role == Role::Chair {
                counts.push(count(in_states(&[Status::Voting]), "inbox-to-sign"));
                counts.push(count(overdue, "inbox-overdue"));
            }
        }
        Role::Applicant | Role::OrgAdmin | Role::Admin => {}
    }
    counts
}
