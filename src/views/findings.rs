//! The monitoring's pages: the findings queue, a finding's page (why, evidence, history,
//! actions) for staff and for the provider asked to explain it, and the provider's list
//! of its own findings.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;

use crate::db::models::organisation::Organisation;
use crate::db::models::routing::{FindingEvent, FindingFileInfo, FindingFull};
use crate::domain::routing::case::{ExplanationReason, FindingAllowed, FindingState};
use crate::domain::routing::findings::FindingKind;
use crate::domain::validation::FieldErrors;
use crate::views::registry::country_name;
use crate::views::{Pager, Refusal};
use crate::web::PageCtx;
use crate::workflows::findings::{EVIDENCE_LIMITS, FindingDetail, QueueQuery, QueueRow, url_id};

/// The translated label of a finding's kind.
pub fn kind_label(ctx: &PageCtx, kind: &str) -> String {
    ctx.t(&format!("finding-kind-{}", kind.replace('_', "-")))
}

/// The translated label of a finding's state.
pub fn state_label(ctx: &PageCtx, state: &str) -> String {
    ctx.t(&format!("finding-state-{}", state.replace('_', "-")))
}

/// A finding as a row of a list.
#[derive(Debug, Clone)]
pub struct FindingRowView {
    /// The id as the finding's address carries it.
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub state: String,
    pub state_label: String,
    pub domestic: String,
    pub organisation: String,
    /// The provider's monitoring page, when an organisation holds the network.
    pub organisation_url: Option<String>,
    pub foreign: String,
    pub country: String,
    pub peers: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub still_seen: bool,
    pub score: i64,
    /// The score's parts in words: "severity 5 × confidence 3 × impact 2".
    pub score_parts: String,
    pub approval_number: String,
    pub deadline: String,
}

impl FindingRowView {
    pub fn new(
        ctx: &PageCtx,
        finding: &FindingFull,
        organisation: Option<&Organisation>,
        approval_number: Option<&str>,
    ) -> Self {
        let (row, case, side) = finding;
        let foreign = match (row.foreign_asn, &side.foreign_name) {
            (Some(asn), Some(name)) => format!("AS{asn} {name}"),
            (Some(asn), None) => format!("AS{asn}"),
            (None, _) => String::new(),
        };
        FindingRowView {
            id: url_id(&row.id),
            kind: row.kind.clone(),
            kind_label: kind_label(ctx, &row.kind),
            state: case.state.clone(),
            state_label: state_label(ctx, &case.state),
            domestic: format!("AS{}", row.domestic_asn),
            organisation: organisation
                .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string())
                .unwrap_or_else(|| ctx.t("finding-no-organisation")),
            organisation_url: organisation
                .map(|o| format!("/committee/monitoring/providers/{}", o.slug)),
            foreign,
            country: side
                .foreign_country
                .as_deref()
                .map(|c| country_name(ctx, c))
                .unwrap_or_default(),
            peers: row.peers,
            first_seen: row
                .first_seen
                .map(|t| ctx.local_date(&t))
                .unwrap_or_default(),
            last_seen: row
                .last_seen
                .map(|t| ctx.local_date(&t))
                .unwrap_or_default(),
            still_seen: row.still_seen,
            score: row.score,
            score_parts: crate::i18n::t_args(
                ctx.lang,
                "finding-score-parts",
                &[
                    ("severity", &row.severity.to_string()),
                    ("confidence", &row.confidence.to_string()),
                    ("impact", &row.impact.to_string()),
                ],
            ),
            approval_number: approval_number.unwrap_or_default().to_string(),
            deadline: case
                .explanation_due
                .map(|d| ctx.local_time(&d))
                .unwrap_or_default(),
        }
    }

    fn of_queue(ctx: &PageCtx, row: &QueueRow) -> Self {
        Self::new(
            ctx,
            &row.finding,
            row.organisation.as_ref(),
            row.approval_number.as_deref(),
        )
    }
}

/// (code, label) of every finding kind, for a filter.
pub fn kind_choices(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    FindingKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(ctx, k.as_str())))
        .collect()
}

/// (code, label) of every state, for a filter.
pub fn state_choices(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    FindingState::ALL
        .iter()
        .map(|s| (s.as_str(), state_label(ctx, s.as_str())))
        .collect()
}

/// (code, label) of every explanation reason.
pub fn reason_choices(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    ExplanationReason::ALL
        .iter()
        .map(|r| (r.as_str(), reason_label(ctx, r.as_str())))
        .collect()
}

pub fn reason_label(ctx: &PageCtx, reason: &str) -> String {
    ctx.t(&format!("finding-reason-{}", reason.replace('_', "-")))
}

/// `/committee/findings`: the queue.
#[derive(Template, WebTemplate)]
#[template(path = "findings/queue.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub rows: Vec<FindingRowView>,
    pub query: QueueQuery,
    pub pager: Pager,
    pub kinds: Vec<(&'static str, String)>,
    pub states: Vec<(&'static str, String)>,
    /// (slug, name) of every organisation, for the filter.
    pub organisations: Vec<(String, String)>,
}

impl QueuePage {
    pub fn new(
        ctx: PageCtx,
        rows: &[QueueRow],
        query: QueueQuery,
        pager: Pager,
        organisations: Vec<(String, String)>,
    ) -> Self {
        QueuePage {
            rows: rows
                .iter()
                .map(|r| FindingRowView::of_queue(&ctx, r))
                .collect(),
            kinds: kind_choices(&ctx),
            states: state_choices(&ctx),
            query,
            pager,
            organisations,
            ctx,
        }
    }
}

/// One ASN of an example path, marked when it is one of the finding's pair.
#[derive(Debug, Clone)]
pub struct PathHop {
    pub asn: String,
    pub marked: bool,
}

/// One import's sighting of the pair.
#[derive(Debug, Clone)]
pub struct SightingView {
    pub file_name: String,
    pub sha256: String,
    pub collector: String,
    pub seen_from: String,
    pub seen_until: String,
    pub peer_asns: String,
    pub peer_addresses: i64,
    pub prefixes: i64,
    pub path: Vec<PathHop>,
    pub example_prefix: String,
}

/// One step of a finding's history.
#[derive(Debug, Clone)]
pub struct EventView {
    pub at: String,
    pub by: String,
    pub step: String,
    pub state: String,
    pub reason: String,
    pub body: String,
    pub deadline: String,
    pub expires: String,
    pub files: Vec<FileView>,
    /// The declaration started from the finding: its page (the provider's, or once it
    /// is submitted the committee's), its reference and where it stands.
    pub declaration: Option<DeclarationView>,
}

/// A declaration started from a finding, followed to its decision.
#[derive(Debug, Clone)]
pub struct DeclarationView {
    pub url: Option<String>,
    pub reference: String,
    pub status: String,
    pub status_label: String,
}

/// A file added with a step.
#[derive(Debug, Clone)]
pub struct FileView {
    pub url: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
}

/// A finding's page, for staff (`committee`) or for the provider asked to explain it.
#[derive(Template, WebTemplate)]
#[template(path = "findings/show.html")]
pub struct FindingPage {
    pub ctx: PageCtx,
    pub committee: bool,
    pub row: FindingRowView,
    /// Why it was raised, in a sentence.
    pub why: String,
    pub limits: String,
    pub sightings: Vec<SightingView>,
    pub events: Vec<EventView>,
    pub allowed: FindingAllowed,
    pub reasons: Vec<(&'static str, String)>,
    /// (approval number, label) of the organisation's connections, for linking.
    pub connections: Vec<(String, String)>,
    /// The linked or concerned connection's number and its committee page.
    pub connection: Option<(String, String)>,
    pub explanation: Option<String>,
    pub has_evidence: bool,
    /// The show-cause cases opened on it: (page, stage, stage's label, opened).
    pub cases: Vec<(String, String, String, String)>,
    pub max_file_mb: String,
    pub errors: FieldErrors,
    pub form: BTreeMap<String, String>,
    pub refusal: Option<Refusal>,
}

/// The example path of a sighting, nearest the collector first, with the pair marked.
fn path_hops(path: &str, pair: (i64, Option<i64>)) -> Vec<PathHop> {
    path.split_whitespace()
        .map(|asn| {
            let number = asn.trim_start_matches("AS").parse::<i64>().ok();
            PathHop {
                asn: asn.to_string(),
                marked: number.is_some_and(|n| n == pair.0 || Some(n) == pair.1),
            }
        })
        .collect()
}

impl FindingPage {
    pub fn new(
        ctx: PageCtx,
        detail: &FindingDetail,
        committee: bool,
        (errors, form, refusal): (FieldErrors, BTreeMap<String, String>, Option<Refusal>),
        max_file_bytes: usize,
    ) -> Self {
        let (row, case, _) = &detail.finding;
        let view = FindingRowView::new(
            &ctx,
            &detail.finding,
            detail.organisation.as_ref(),
            detail
                .connection
                .as_ref()
                .map(|c| c.approval_number.as_str()),
        );
        let why = crate::i18n::t_args(
            ctx.lang,
            &format!("finding-why-{}", detail.kind.as_str().replace('_', "-")),
            &[
                ("domestic", &view.domestic),
                ("organisation", &view.organisation),
                ("foreign", &view.foreign),
                ("country", &view.country),
                ("number", &view.approval_number),
                ("peers", &view.peers.to_string()),
            ],
        );
        let files_of = |event: &FindingEvent| -> Vec<FileView> {
            detail
                .files
                .iter()
                .filter(|f: &&FindingFileInfo| f.event_id == event.id)
                .map(|f| FileView {
                    url: format!(
                        "{}/findings/{}/files/{}",
                        if committee { "/committee" } else { "" },
                        url_id(&row.id),
                        f.id
                    ),
                    file_name: f.file_name.clone(),
                    sha256: f.sha256.clone(),
                    size: f.size_bytes,
                })
                .collect()
        };
        let events = detail
            .events
            .iter()
            .map(|e| EventView {
                at: ctx.local_time(&e.at),
                by: if e.actor_id.is_none() {
                    ctx.t(&crate::domain::audit::system_actor_key(&e.actor_label))
                } else {
                    e.actor_label.clone()
                },
                step: ctx.t(&format!("finding-step-{}", e.step.replace('_', "-"))),
                state: state_label(&ctx, &e.state_after),
                reason: e
                    .reason
                    .as_deref()
                    .map(|r| reason_label(&ctx, r))
                    .unwrap_or_default(),
                body: e.body.clone(),
                deadline: e.deadline.map(|d| ctx.local_time(&d)).unwrap_or_default(),
                expires: e.expires.map(|d| ctx.local_date(&d)).unwrap_or_default(),
                files: files_of(e),
                declaration: e
                    .application_id
                    .as_ref()
                    .and_then(|a| detail.declarations.get(a))
                    .map(|a| {
                        let draft = a.status == crate::domain::application::Status::Draft;
                        DeclarationView {
                            url: match (committee, draft) {
                                (false, _) => Some(format!("/applications/{}", a.id)),
                                (true, false) => Some(format!("/committee/applications/{}", a.id)),
                                (true, true) => None,
                            },
                            reference: a.reference.clone().unwrap_or_default(),
                            status: a.status.as_str().to_string(),
                            status_label: ctx.t(a.status.label_key()),
                        }
                    }),
            })
            .collect();
        let explanation = case.explanation_reason.as_deref().map(|r| {
            let reason = reason_label(&ctx, r);
            match case.explanation_expires {
                Some(end) => ctx.t2(
                    "finding-explained-until",
                    ("reason", &reason),
                    ("until", &ctx.local_date(&end)),
                ),
                None => reason,
            }
        });
        FindingPage {
            committee,
            why,
            limits: if ctx.lang == crate::domain::language::Lang::En {
                EVIDENCE_LIMITS.to_string()
            } else {
                ctx.t("finding-limits")
            },
            sightings: detail
                .sightings
                .iter()
                .rev()
                .map(|(a, i)| SightingView {
                    file_name: i.file_name.clone(),
                    sha256: i.sha256.clone(),
                    collector: a.collector.clone(),
                    seen_from: ctx.local_time(&a.first_seen),
                    seen_until: ctx.local_time(&a.last_seen),
                    peer_asns: a.peer_asns.clone(),
                    peer_addresses: a.peer_addresses,
                    prefixes: a.prefixes,
                    path: path_hops(&a.example_path, (row.domestic_asn, row.foreign_asn)),
                    example_prefix: a.example_prefix.clone(),
                })
                .collect(),
            events,
            allowed: detail.allowed,
            reasons: reason_choices(&ctx),
            connections: detail
                .organisation_connections
                .iter()
                .map(|c| {
                    (
                        c.approval_number.clone(),
                        format!("{} · {}", c.approval_number, c.counterparty_name),
                    )
                })
                .collect(),
            connection: detail.connection.as_ref().map(|c| {
                (
                    c.approval_number.clone(),
                    if committee {
                        format!("/committee/connections/{}", c.id)
                    } else {
                        format!("/registry/{}", c.approval_number)
                    },
                )
            }),
            explanation,
            has_evidence: case.evidence.is_some(),
            cases: detail
                .cases
                .iter()
                .map(|c| {
                    (
                        format!(
                            "{}/cases/{}",
                            if committee { "/committee" } else { "" },
                            c.id
                        ),
                        c.stage.clone(),
                        crate::views::link_cases::stage_label(&ctx, &c.stage),
                        ctx.local_date(&c.opened_at),
                    )
                })
                .collect(),
            max_file_mb: format!("{:.1}", max_file_bytes as f64 / 1_048_576.0),
            row: view,
            errors,
            form,
            refusal,
            ctx,
        }
    }

    /// What was typed into `field` before the page was shown again.
    pub fn typed(&self, field: &str) -> &str {
        self.form.get(field).map(String::as_str).unwrap_or("")
    }
}

/// `/findings`: a provider's findings on which an explanation was asked.
#[derive(Template, WebTemplate)]
#[template(path = "findings/mine.html")]
pub struct MyFindingsPage {
    pub ctx: PageCtx,
    pub rows: Vec<FindingRowView>,
    /// The show-cause cases against the organisation.
    pub cases: Vec<crate::views::link_cases::CaseRowView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_is_marked_in_an_example_path() {
        let hops = path_hops("3356 38040 151234", (151234, Some(38040)));
        let marked: Vec<(&str, bool)> = hops.iter().map(|h| (h.asn.as_str(), h.marked)).collect();
        assert_eq!(marked, [("3356", false), ("38040", true), ("151234", true)]);
        assert!(path_hops("", (1, None)).is_empty());
    }
}

/// One import as the monitoring's overview lists it.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub kind: String,
    pub file_name: String,
    pub collector: String,
    /// The first and last day of the data, when the file says.
    pub data: Option<(String, String)>,
    pub records: i64,
    pub adjacencies: i64,
    pub imported: String,
    pub by: String,
    /// The domestic networks an MRT import saw next to a foreign one.
    pub coverage: String,
}

/// `/committee/monitoring`: the country's international links as a map, the trends across
/// imports, and the imports with their coverage and freshness.
#[derive(Template, WebTemplate)]
#[template(path = "monitoring/overview.html")]
pub struct MonitoringPage {
    pub ctx: PageCtx,
    pub map: crate::views::monitoring_charts::MapView,
    pub trends: crate::views::monitoring_charts::TrendsView,
    pub imports: Vec<ImportView>,
    /// What is out of date, in words.
    pub warnings: Vec<String>,
}

/// The kinds the trends count as open findings: every kind but `approved`.
fn counted_kinds() -> Vec<FindingKind> {
    FindingKind::ALL
        .into_iter()
        .filter(|k| *k != FindingKind::Approved)
        .collect()
}

impl MonitoringPage {
    pub fn new(
        ctx: PageCtx,
        overview: &crate::workflows::findings::Overview,
        now: chrono::NaiveDateTime,
    ) -> Self {
        use crate::views::monitoring_charts::{
            DomesticProvider, ForeignNetwork, Link, LinkState, MapInput, MapLabels, MapView,
            TrendLabels, TrendPoint, TrendsView,
        };
        let mut providers: BTreeMap<Option<String>, Vec<u32>> = BTreeMap::new();
        let mut foreign: BTreeMap<u32, ForeignNetwork> = BTreeMap::new();
        let mut links = Vec::new();
        let mut countries = std::collections::HashMap::new();
        for ((row, _, side), organisation) in &overview.findings {
            let state = match FindingKind::parse(&row.kind) {
                Some(FindingKind::Approved) => LinkState::Approved,
                Some(FindingKind::Unapproved) => LinkState::Unapproved,
                Some(FindingKind::SeenAfterDisconnection) => LinkState::SeenAfterDisconnection,
                Some(FindingKind::SeenWhileSuspended) => LinkState::SeenWhileSuspended,
                Some(FindingKind::SeenAfterExpiry) => LinkState::SeenAfterExpiry,
                Some(FindingKind::Sibling) => LinkState::Sibling,
                Some(FindingKind::ApprovedNotObserved) => LinkState::ApprovedNotObserved,
                _ => continue,
            };
            let (Ok(domestic), Some(Ok(far))) = (
                u32::try_from(row.domestic_asn),
                row.foreign_asn.map(u32::try_from),
            ) else {
                continue;
            };
            let name = organisation
                .as_ref()
                .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string());
            let asns = providers.entry(name).or_default();
            if !asns.contains(&domestic) {
                asns.push(domestic);
            }
            let country = side.foreign_country.clone().unwrap_or_default();
            if !country.is_empty() {
                countries.insert(country.clone(), country_name(&ctx, &country));
            }
            foreign.entry(far).or_insert(ForeignNetwork {
                asn: far,
                name: side.foreign_name.clone(),
                country,
            });
            links.push(Link {
                domestic,
                foreign: far,
                state,
            });
        }
        let t = |key: &str| ctx.t(key);
        let map = MapView::new(
            MapInput {
                providers: providers
                    .into_iter()
                    .map(|(organisation, asns)| DomesticProvider { organisation, asns })
                    .collect(),
                foreign: foreign.into_values().collect(),
                links,
            },
            MapLabels::from_messages(t, countries),
        );
        let kinds = counted_kinds();
        let points = overview
            .snapshots
            .iter()
            .map(|s| {
                let counts: std::collections::HashMap<&str, u32> = s
                    .open_by_kind
                    .split(';')
                    .filter_map(|pair| {
                        let (kind, n) = pair.split_once('=')?;
                        Some((kind, n.parse().ok()?))
                    })
                    .collect();
                let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
                TrendPoint {
                    date: s.observed_at.date(),
                    adjacencies: count(s.adjacencies),
                    unapproved: count(s.unapproved),
                    open_findings: kinds
                        .iter()
                        .map(|k| counts.get(k.as_str()).copied().unwrap_or(0))
                        .collect(),
                    frontier: count(s.frontier),
                }
            })
            .collect();
        let trends = TrendsView::new(
            points,
            TrendLabels::from_messages(
                t,
                kinds.iter().map(|k| kind_label(&ctx, k.as_str())).collect(),
            ),
        );
        let imports = overview
            .imports
            .iter()
            .map(|i| ImportView {
                kind: i.kind.clone(),
                file_name: i.file_name.clone(),
                collector: i.collector.clone(),
                data: i
                    .data_from
                    .zip(i.data_until)
                    .map(|(from, until)| (ctx.local_date(&from), ctx.local_date(&until))),
                records: i.records_read,
                adjacencies: i.adjacencies,
                imported: ctx.local_time(&i.imported_at),
                by: if crate::domain::audit::SYSTEM_ACTORS.contains(&i.imported_by.as_str()) {
                    ctx.t(&crate::domain::audit::system_actor_key(&i.imported_by))
                } else {
                    i.imported_by.clone()
                },
                coverage: overview
                    .coverage
                    .get(&i.id)
                    .map(|asns| {
                        asns.iter()
                            .map(|a| format!("AS{a}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
            })
            .collect();
        MonitoringPage {
            warnings: freshness(&ctx, &overview.imports, now),
            map,
            trends,
            imports,
            ctx,
        }
    }
}

/// Days without a routing dump after which the overview warns.
pub const RIB_STALE_DAYS: i64 = 7;
/// Days after which reference data (RIR, CAIDA, PeeringDB) counts as old.
pub const REFERENCE_STALE_DAYS: i64 = 60;

/// What is out of date among the imports at `now`, in words: no routing dump in
/// [`RIB_STALE_DAYS`], and each kind of reference data missing or older than
/// [`REFERENCE_STALE_DAYS`].
pub fn freshness(
    ctx: &PageCtx,
    imports: &[crate::db::models::routing::RoutingImport],
    now: chrono::NaiveDateTime,
) -> Vec<String> {
    let newest = |kind: &str| {
        imports
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.data_until.unwrap_or(i.imported_at))
            .max()
    };
    let mut warnings = Vec::new();
    let days = chrono::TimeDelta::days;
    match newest("mrt") {
        Some(at) if now - at <= days(RIB_STALE_DAYS) => {}
        Some(at) => warnings.push(ctx.t1("monitoring-stale-mrt", "date", &ctx.local_date(&at))),
        None => warnings.push(ctx.t("monitoring-no-mrt")),
    }
    for kind in ["rir", "as2org", "peeringdb"] {
        let name = ctx.t(&format!("monitoring-kind-{kind}"));
        match newest(kind) {
            Some(at) if now - at <= days(REFERENCE_STALE_DAYS) => {}
            Some(at) => warnings.push(ctx.t2(
                "monitoring-stale-reference",
                ("kind", &name),
                ("date", &ctx.local_date(&at)),
            )),
            None => warnings.push(ctx.t1("monitoring-no-reference", "kind", &name)),
        }
    }
    warnings
}

/// One approval on a provider's monitoring page, with what routing shows of it.
#[derive(Debug, Clone)]
pub struct ApprovalSeen {
    pub approval_number: String,
    pub committee_url: String,
    pub counterparty: String,
    pub status: String,
    pub status_label: String,
    /// The finding's kind label and its page, or nothing when routing says nothing of it
    /// (no counterparty ASN, or a type routing does not show).
    pub routing: Option<(String, String)>,
}

/// A foreign network the provider's routes were seen through.
#[derive(Debug, Clone)]
pub struct ReachView {
    pub network: String,
    pub country: String,
    pub ipv4: String,
    pub ipv6_48s: i64,
    pub share: i64,
}

/// `/committee/monitoring/providers/{slug}`: a provider's approvals against what routing
/// shows, its exchanges abroad, the foreign networks its routes pass through, and its
/// findings.
#[derive(Template, WebTemplate)]
#[template(path = "monitoring/provider.html")]
pub struct ProviderPage {
    pub ctx: PageCtx,
    pub name: String,
    pub asns: String,
    pub approvals: Vec<ApprovalSeen>,
    pub exchanges: Vec<(String, String)>,
    pub reach: Vec<ReachView>,
    pub findings: Vec<FindingRowView>,
}

impl ProviderPage {
    pub fn new(ctx: PageCtx, view: &crate::workflows::findings::ProviderView) -> Self {
        let organisation = &view.organisation;
        let labels = crate::views::registry::RegistryLabels::of(ctx.lang);
        ProviderPage {
            name: ctx
                .pick(&organisation.name_lo, &organisation.name_en)
                .to_string(),
            asns: organisation.asns.clone(),
            approvals: view
                .connections
                .iter()
                .map(|(c, finding)| ApprovalSeen {
                    approval_number: c.approval_number.clone(),
                    committee_url: format!("/committee/connections/{}", c.id),
                    counterparty: format!(
                        "{} · {}",
                        c.counterparty_name,
                        labels.country_name(&c.counterparty_country)
                    ),
                    status: c.status.as_str().to_string(),
                    status_label: labels.status_label(c.status),
                    routing: finding.as_ref().map(|f| {
                        (
                            kind_label(&ctx, &f.0.kind),
                            format!("/committee/findings/{}", url_id(&f.0.id)),
                        )
                    }),
                })
                .collect(),
            exchanges: view
                .exchanges
                .iter()
                .map(|(name, country)| (name.clone(), labels.country_name(country)))
                .collect(),
            reach: view
                .reach
                .iter()
                .map(|r| ReachView {
                    network: match &r.name {
                        Some(name) => format!("AS{} {name}", r.foreign_asn),
                        None => format!("AS{}", r.foreign_asn),
                    },
                    country: r
                        .country
                        .as_deref()
                        .map(|c| labels.country_name(c))
                        .unwrap_or_default(),
                    ipv4: crate::views::grouped(r.ipv4_addresses),
                    ipv6_48s: r.ipv6_48s,
                    share: r.share,
                })
                .collect(),
            findings: view
                .findings
                .iter()
                .map(|f| FindingRowView::new(&ctx, f, Some(organisation), None))
                .collect(),
            ctx,
        }
    }
}
