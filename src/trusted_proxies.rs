//! Which reverse proxies may tell the server who its client is (`TRUSTED_PROXIES`).
//!
//! Without the setting the client is the connection's peer and `X-Forwarded-For` is never
//! read: anyone could write it. With it, a request that arrives from a trusted proxy is
//! attributed to the address that proxy saw, read from the right end of `X-Forwarded-For`
//! (the end each proxy appends to) and skipping further trusted proxies. That address is
//! what the audit log records and what the per-address sign-in and token limits count.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// The addresses and ranges whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list of addresses (`127.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`),
    /// separated by commas or spaces.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{part:?} is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted; otherwise the nearest
    /// address in the `X-Forwarded-For` values (in the order received) that is not trusted.
    /// An entry that is not an address ends the walk at the last address read, so a
    /// client's own junk can never hide the address a trusted proxy appended after it.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a [u8]>,
    ) -> IpAddr {
        if !self.trusts(&peer) {
            return peer;
        }
        let values: Vec<&[u8]> = forwarded_for.collect();
        let mut client = peer;
        for hop in values
            .iter()
            .rev()
            .flat_map(|value| value.rsplit(|b| *b == b','))
        {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(&ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port (`[::1]:443`, `1.2.3.4:80`).
fn parse_hop(hop: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(hop).ok()?.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn client(trusted: &str, peer: &str, headers: &[&str]) -> String {
        TrustedProxies::parse(trusted)
            .unwrap()
            .client(ip(peer), headers.iter().map(|h| h.as_bytes()))
            .to_string()
    }

    #[test]
    fn addresses_and_ranges_are_parsed_and_nonsense_is_named() {
        let proxies = TrustedProxies::parse("127.0.0.1, ::1 10.0.0.0/8,").unwrap();
        assert!(proxies.trusts(&ip("127.0.0.1")));
        assert!(proxies.trusts(&ip("::1")));
        assert!(proxies.trusts(&ip("10.200.3.4")));
        assert!(proxies.trusts(&ip("::ffff:10.1.1.1")));
        assert!(!proxies.trusts(&ip("127.0.0.2")));
        assert!(!proxies.trusts(&ip("11.0.0.1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let err = TrustedProxies::parse("127.0.0.1,localhost").unwrap_err();
        assert!(err.contains("\"localhost\""), "{err}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(client("", "127.0.0.1", &["203.0.113.9"]), "127.0.0.1");
        assert_eq!(
            client("10.0.0.0/8", "198.51.100.7", &["203.0.113.9"]),
            "198.51.100.7"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_it_saw() {
        assert_eq!(
            client("127.0.0.1", "127.0.0.1", &["203.0.113.9"]),
            "203.0.113.9"
        );
        assert_eq!(
            client("127.0.0.1", "127.0.0.1", &["[2001:db8::7]:51000"]),
            "2001:db8::7"
        );
        assert_eq!(
            client("127.0.0.1", "127.0.0.1", &[" 203.0.113.9:443 "]),
            "203.0.113.9"
        );
    }

    #[test]
    fn what_the_client_wrote_before_the_proxy_is_not_believed() {
        // nginx's $proxy_add_x_forwarded_for keeps the client's header and appends the peer.
        assert_eq!(
            client("127.0.0.1", "127.0.0.1", &["1.1.1.1, 203.0.113.9"]),
            "203.0.113.9"
        );
        assert_eq!(
            client("127.0.0.1", "127.0.0.1", &["1.1.1.1", "203.0.113.9"]),
            "203.0.113.9"
        );
        assert_eq!(
            client(
                "127.0.0.1",
                "127.0.0.1",
                &["<script>, \u{feff}x, 203.0.113.9"]
            ),
            "203.0.113.9"
        );
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked_to_the_first_outsider() {
        assert_eq!(
            client(
                "127.0.0.1,10.0.0.0/8",
                "127.0.0.1",
                &["1.1.1.1, 203.0.113.9, 10.0.0.5"]
            ),
            "203.0.113.9"
        );
        // Every hop trusted: the farthest one is the client.
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.1", &["10.0.0.9, 10.0.0.5"]),
            "10.0.0.9"
        );
    }

    #[test]
    fn missing_or_unreadable_headers_leave_the_nearest_address_read() {
        assert_eq!(client("127.0.0.1", "127.0.0.1", &[]), "127.0.0.1");
        assert_eq!(client("127.0.0.1", "127.0.0.1", &["unknown"]), "127.0.0.1");
        assert_eq!(client("127.0.0.1", "127.0.0.1", &[""]), "127.0.0.1");
        let junk: &[u8] = b"\xff\xfe";
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [junk].into_iter()),
            ip("127.0.0.1")
        );
        assert_eq!(
            trusted.client(
                ip("127.0.0.1"),
                [junk, b"203.0.113.9".as_slice()].into_iter()
            ),
            ip("203.0.113.9")
        );
    }
}
