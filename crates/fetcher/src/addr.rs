//! Which addresses the fetcher may connect to.
//!
//! Any site can link or redirect the crawler anywhere, including the
//! services on its own network (a Redis on loopback, a cloud metadata
//! endpoint on a link-local address): server-side request forgery. So every
//! address that is not public is refused unless `fetch.allow_private_networks`
//! names a network holding it. Two places check:
//! - [`GuardedResolver`], the HTTP client's DNS resolver, drops refused
//!   addresses from every answer, at connect time: a host name that resolves
//!   to a public address once and a private one the next time (DNS
//!   rebinding) is checked each time it is connected to;
//! - [`AddressPolicy::check_url`], before anything is sent, for URLs whose
//!   host is an IP literal (those are never resolved).

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use url::{Host, Url};

/// The non-public address ranges, each with the name used in refusals.
static SPECIAL: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "unspecified (this network)"),
        ("10.0.0.0/8", "private (RFC 1918)"),
        ("100.64.0.0/10", "shared (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "broadcast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local NAT64"),
        ("100::/64", "discard-only"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ]
    .into_iter()
    .filter_map(|(net, name)| net.parse().ok().map(|net| (net, name)))
    .collect()
});

/// An address the policy refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{addr} is a {class} address{via}, refused (fetch.allow_private_networks does not allow it)"
)]
pub(crate) struct AddressRefused {
    /// The refused address.
    pub addr: IpAddr,
    /// What kind of address it is.
    pub class: &'static str,
    /// ` (resolved from NAME)` for a host name, else empty.
    pub via: String,
}

/// The networks that may be fetched although they are not public.
#[derive(Clone, Debug, Default)]
pub(crate) struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy allowing `allowed` on top of every public address.
    pub(crate) fn new(allowed: &[IpNet]) -> Self {
        AddressPolicy {
            allowed: allowed.to_vec(),
        }
    }

    /// Whether `addr` may be connected to.
    pub(crate) fn check(&self, addr: IpAddr) -> Result<(), AddressRefused> {
        let addr = canonical(addr);
        let Some(class) = class_of(addr) else {
            return Ok(());
        };
        if self.allowed.iter().any(|net| net.contains(&addr)) {
            return Ok(());
        }
        Err(AddressRefused {
            addr,
            class,
            via: String::new(),
        })
    }

    /// Checks a URL whose host is an IP literal; host names pass here and are
    /// checked when resolved.
    pub(crate) fn check_url(&self, url: &Url) -> Result<(), AddressRefused> {
        match url.host() {
            Some(Host::Ipv4(ip)) => self.check(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check(IpAddr::V6(ip)),
            _ => Ok(()),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`, or NAT64's
/// `64:ff9b::127.0.0.1`) is judged as the IPv4 address it carries.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            IpAddr::V6(v6)
        }
        v4 => v4,
    }
}

/// The kind of non-public address `addr` is, `None` for a public one.
fn class_of(addr: IpAddr) -> Option<&'static str> {
    SPECIAL
        .iter()
        .find(|(net, _)| net.contains(&addr))
        .map(|(_, class)| *class)
}

/// The HTTP client's resolver: the system's (`getaddrinfo`, through tokio),
/// with refused addresses dropped. A name left with no address fails with
/// [`AddressRefused`] for the first refused one.
#[derive(Clone, Debug)]
pub(crate) struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    /// A resolver applying `policy`.
    pub(crate) fn new(policy: Arc<AddressPolicy>) -> Self {
        GuardedResolver { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match policy.check(a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if kept.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = match refused {
                    Some(mut e) => {
                        e.via = format!(" (resolved from {host})");
                        Box::new(e)
                    }
                    None => format!("{host} resolves to no address").into(),
                };
                return Err(error);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("IP literal")
    }

    fn v6(text: &str) -> IpAddr {
        IpAddr::V6(text.parse::<std::net::Ipv6Addr>().expect("IPv6 literal"))
    }

    #[test]
    fn private_kinds_are_refused_and_named() {
        let policy = AddressPolicy::default();
        for (addr, class) in [
            ("127.0.0.1", "loopback"),
            ("127.0.0.2", "loopback"),
            ("::1", "loopback"),
        ] {
            let e = policy.check(ip(addr)).expect_err(addr);
            assert_eq!(e.class, class, "{addr}");
            assert!(e.to_string().contains("allow_private_networks"), "{e}");
        }
        // The IPv4 loopback written as IPv6 is still loopback.
        let e = policy.check(v6("::ffff:127.0.0.3")).expect_err("mapped");
        assert_eq!(e.addr, ip("127.0.0.3"));
    }

    #[test]
    fn an_allowed_network_lets_only_its_addresses_through() {
        let allowed: IpNet = "127.0.0.1/32".parse().expect("net");
        let policy = AddressPolicy::new(&[allowed]);
        assert!(policy.check(ip("127.0.0.1")).is_ok());
        assert!(policy.check(v6("::ffff:127.0.0.1")).is_ok());
        assert!(policy.check(ip("127.0.0.2")).is_err());
        let url = Url::parse("http://127.0.0.2:8080/x").expect("url");
        assert!(policy.check_url(&url).is_err());
        let url = Url::parse("http://127.0.0.1:8080/x").expect("url");
        assert!(policy.check_url(&url).is_ok());
        // Host names are checked when resolved, not here.
        let url = Url::parse("http://localhost:8080/x").expect("url");
        assert!(policy.check_url(&url).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_answers() {
        // `localhost` resolves to loopback addresses only: all refused.
        let resolver = GuardedResolver::new(Arc::new(AddressPolicy::default()));
        let name: Name = "localhost".parse().expect("name");
        let Err(e) = resolver.resolve(name).await else {
            panic!("localhost must be refused");
        };
        let refused = e.downcast_ref::<AddressRefused>().expect("typed refusal");
        assert!(refused.via.contains("localhost"), "{refused}");
        // Allowing 127.0.0.1 lets that answer through (and no other).
        let allowed: IpNet = "127.0.0.1/32".parse().expect("net");
        let resolver = GuardedResolver::new(Arc::new(AddressPolicy::new(&[allowed])));
        let name: Name = "localhost".parse().expect("name");
        let addrs: Vec<SocketAddr> = match resolver.resolve(name).await {
            Ok(a) => a.collect(),
            // A machine whose `localhost` is only ::1.
            Err(e) => {
                assert!(e.downcast_ref::<AddressRefused>().is_some(), "{e}");
                return;
            }
        };
        assert!(addrs.iter().all(|a| a.ip() == ip("127.0.0.1")), "{addrs:?}");
    }
}
