//! A cloneable shutdown signal, passed from the binary down to every task.

use tokio_util::sync::CancellationToken;

/// Tells every loop of a role to stop taking new work and finish what it holds.
///
/// Cloning gives another handle to the same signal; [`Shutdown::child`] gives a
/// signal that also fires when the parent does, but can be fired on its own.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    /// A new signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the signal.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once the signal fires.
    pub async fn wait(&self) {
        self.token.cancelled().await;
    }

    /// A signal that fires with this one, or alone when triggered directly.
    pub fn child(&self) -> Shutdown {
        Shutdown {
            token: self.token.child_token(),
        }
    }
}
