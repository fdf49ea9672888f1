//! What a request says about who sent it and where to go next: the client's address, the
//! audit actor of a signed-in user, and a safe local `next` path.

use actix_web::{HttpRequest, web};

use crate::web::extract::CurrentUser;
use crate::web::state::AppState;
use crate::workflows::Actor;

/// The client's address: the connection's peer, or the address a trusted proxy names
/// (`TRUSTED_PROXIES`; see `crate::trusted_proxies`).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    match req.app_data::<web::Data<AppState>>() {
        Some(state) if !state.settings.trusted_proxies.is_empty() => {
            let forwarded_for = req
                .headers()
                .get_all("x-forwarded-for")
                .map(|value| value.as_bytes());
            state.settings.trusted_proxies.client(peer, forwarded_for)
        }
        _ => peer,
    }
    .to_string()
}

/// The audit actor for a signed-in user's request.
pub fn actor(user: &CurrentUser, req: &HttpRequest) -> Actor {
    Actor {
        id: Some(user.id.clone()),
        label: user.label(),
        ip: client_ip(req),
        role: Some(user.role),
        organisation_id: user.organisation_id.clone(),
    }
}

/// A local path to return to after a form, or the dashboard. Refuses other sites
/// (`//host`, `/\host`, absolute URLs) so a link cannot send people elsewhere.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if local {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/admin/users?x=1"), "/admin/users?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "javascript:x",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/dashboard", "{bad}");
        }
    }
}
