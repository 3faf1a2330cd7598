//! The memory every scrape in progress may use for rendered text, together:
//! a fixed number of chunk buffers (tokens) shared between the scrapes.
//!
//! A render worker takes a token before it allocates a buffer to render
//! into, and the token travels with the full chunk until the HTTP layer
//! has written it to the socket and drops it. So the rendered text held
//! across all scrapes never exceeds `tokens` buffers, however many clients
//! scrape and however slowly they read; a scrape that finds no token free
//! waits for one.
//!
//! Fairness and progress:
//! - each scrape may hold at most its share, the tokens divided by the
//!   scrapes in progress (at least one): a slow reader holds a smaller part
//!   as others arrive, and the tokens it gives back as its client reads go
//!   to whoever waits, so it cannot starve a fast one;
//! - a scrape sends its parts (families, or ranges of a large family's
//!   objects) in order. The part being sent (the head)
//!   may take a token whenever one is free and it holds none; parts
//!   rendered ahead of the head leave one token per scrape for the heads.
//!   So the tokens are never all held by chunks waiting behind a head:
//!   some head can always render, and the chunks it sends free their
//!   tokens as its client reads.

use crate::exposition::{CHUNK_CAPACITY, ClientGone};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

pub struct RenderBudget {
    tokens: usize,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Tokens held, including those of chunks whose scrape has finished
    /// rendering but not yet been written out.
    held: usize,
    /// Tokens held by parts rendered ahead of their scrape's head.
    ahead: usize,
    scrapes: HashMap<u64, Scrape>,
    next_id: u64,
}

struct Scrape {
    /// The part being sent.
    head: usize,
    /// Tokens held, per part.
    parts: Vec<usize>,
    cancelled: bool,
}

impl State {
    /// No scrape in progress and every chunk written out: the buffers of
    /// the scrapes are all freed, until the next one.
    fn idle(&self) -> bool {
        self.held == 0 && self.scrapes.is_empty()
    }
}

impl Scrape {
    fn held(&self) -> usize {
        self.parts.iter().sum()
    }

    fn ahead(&self) -> usize {
        self.parts.iter().skip(self.head + 1).sum()
    }
}

impl RenderBudget {
    /// A budget of about `bytes` of chunk buffers (never fewer than two, so
    /// a scrape can render ahead of what it sends).
    pub fn new(bytes: usize) -> Arc<RenderBudget> {
        Arc::new(RenderBudget {
            tokens: (bytes / CHUNK_CAPACITY).max(2),
            state: Mutex::default(),
            changed: Condvar::new(),
        })
    }

    /// The budget all `/metrics` scrapes of this process share.
    pub fn global() -> &'static Arc<RenderBudget> {
        static GLOBAL: std::sync::LazyLock<Arc<RenderBudget>> =
            std::sync::LazyLock::new(|| RenderBudget::new(RENDER_MEMORY));
        &GLOBAL
    }

    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// Tokens held right now.
    pub fn held(&self) -> usize {
        self.lock().held
    }

    /// Registers a scrape of `parts` parts, sent in order.
    pub fn join(self: &Arc<Self>, parts: usize) -> ScrapeBudget {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.scrapes.insert(
            id,
            Scrape {
                head: 0,
                parts: vec![0; parts],
                cancelled: false,
            },
        );
        ScrapeBudget {
            budget: self.clone(),
            id,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters updated in one step each; a panic
        // elsewhere cannot leave them half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Rendered text all scrapes together may hold: at 30,000 pods one scrape
/// renders about 290 MB, and resident memory is about 140 MB, so this keeps
/// the render within a tenth of it whatever the number of scrapes.
const RENDER_MEMORY: usize = 8 << 20;

/// One scrape's part of the budget; leaving it (dropping) frees the share
/// for the others.
pub struct ScrapeBudget {
    budget: Arc<RenderBudget>,
    id: u64,
}

impl ScrapeBudget {
    /// Waits for a token to render a buffer of `part` into. Fails once the
    /// scrape is cancelled.
    pub fn take(&self, part: usize) -> Result<Token, ClientGone> {
        let budget = &*self.budget;
        let mut state = budget.lock();
        loop {
            let scrapes = state.scrapes.len();
            let share = (budget.tokens / scrapes).max(1);
            let free = state.held < budget.tokens;
            let ahead_room = state.ahead + scrapes < budget.tokens;
            let scrape = &state.scrapes[&self.id];
            if scrape.cancelled {
                return Err(ClientGone);
            }
            let held = scrape.held();
            let allowed = if part <= scrape.head {
                free && (held < share || held == scrape.ahead())
            } else {
                free && ahead_room && held + 1 < share
            };
            if allowed {
                let is_ahead = part > scrape.head;
                state.held += 1;
                if is_ahead {
                    state.ahead += 1;
                }
                if let Some(scrape) = state.scrapes.get_mut(&self.id) {
                    scrape.parts[part] += 1;
                }
                return Ok(Token {
                    budget: self.budget.clone(),
                    scrape: self.id,
                    part,
                });
            }
            state = budget
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The scrape starts sending `part`: its chunks are no longer ahead.
    pub fn advance(&self, part: usize) {
        let mut state = self.budget.lock();
        if let Some(scrape) = state.scrapes.get_mut(&self.id)
            && part > scrape.head
        {
            scrape.head = part;
            let promoted = scrape.parts[part];
            state.ahead -= promoted;
        }
        drop(state);
        self.budget.changed.notify_all();
    }

    /// The client went away: workers waiting for a token stop.
    pub fn cancel(&self) {
        if let Some(scrape) = self.budget.lock().scrapes.get_mut(&self.id) {
            scrape.cancelled = true;
        }
        self.budget.changed.notify_all();
    }
}

impl Drop for ScrapeBudget {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        if let Some(scrape) = state.scrapes.remove(&self.id) {
            // Its tokens still out (chunks not yet written) stay counted in
            // `held` until dropped, but no longer hold back the heads.
            state.ahead -= scrape.ahead();
        }
        let idle = state.idle();
        drop(state);
        self.budget.changed.notify_all();
        if idle {
            crate::memory::return_freed_pages();
        }
    }
}

/// One chunk buffer's worth of the budget, given back when dropped.
pub struct Token {
    budget: Arc<RenderBudget>,
    scrape: u64,
    part: usize,
}

impl Drop for Token {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.held -= 1;
        if let Some(scrape) = state.scrapes.get_mut(&self.scrape) {
            scrape.parts[self.part] -= 1;
            if self.part > scrape.head {
                state.ahead -= 1;
            }
        }
        let idle = state.idle();
        drop(state);
        self.budget.changed.notify_all();
        if idle {
            crate::memory::return_freed_pages();
        }
    }
}
