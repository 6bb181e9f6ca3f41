//! The trials of an organisation process (adoption, initiative) in a large world: listed
//! first, then decided with what their social capital reads loaded ahead.
//!
//! A decided trial of adoption or initiative sums the trust of the organisation's active
//! ties ([`super::social_capital`]): its record (slab header), then its partner list, then one
//! dyad record per partner, each known only once the one before has arrived. In a world of a
//! million organisations each is a line from memory; listed ahead, the trials to come have
//! them asked for stage by stage while the earlier ones are decided.

use super::{Ctx, Scratch, org_trials};
use crate::model::rng::Rng;
use crate::model::world::World;

/// How many trials apart the stages of the load-ahead hints run.
const AHEAD: usize = 4;

/// Partners of one organisation whose dyad records are asked for ahead (more are read as they
/// come).
const PARTNERS_AHEAD: usize = 16;

/// [`org_trials`] over the active organisations, `decide` given the scratch buffers with each
/// trial. In a world that loads ahead ([`World::loads_ahead`]) the trials are listed first (in
/// `s.reached`) and then decided in the same order: the draws are made as [`org_trials`] makes
/// them and `decide` draws none, so the outcome is the same as deciding each as it is drawn
/// when `decide` changes nothing that `without` or a later decision reads.
pub fn org_trials_ahead(
    ctx: &Ctx,
    w: &World,
    cut: f64,
    r: &mut Rng,
    s: &mut Scratch,
    without: impl Fn(u32) -> bool,
    mut decide: impl FnMut(&mut Scratch, u32, f64),
) {
    let items = w.active_set.items();
    if !w.loads_ahead() {
        return org_trials(ctx, items, cut, r, without, |i, u| decide(s, i, u));
    }
    let mut reached = std::mem::take(&mut s.reached);
    reached.clear();
    org_trials(ctx, items, cut, r, without, |i, u| reached.push((i, u)));
    for k in 0..reached.len() {
        load_ahead(w, s, &reached, k);
        let (i, u) = reached[k];
        decide(s, i, u);
    }
    s.reached = reached;
}

/// The hints at the `k`-th trial: the record of the organisation three stages ahead, the
/// partner list two ahead, and one ahead its partners' dyad records and its cached social
/// capital. No effect on results.
#[inline(always)]
fn load_ahead(w: &World, s: &Scratch, reached: &[(u32, f64)], k: usize) {
    if let Some(&(i, _)) = reached.get(k + 3 * AHEAD) {
        w.memory.prefetch_org(i);
    }
    if let Some(&(i, _)) = reached.get(k + 2 * AHEAD) {
        w.memory.prefetch_partners(i);
    }
    if let Some(&(i, _)) = reached.get(k + AHEAD) {
        for &(_, d) in w.memory.active_partners(i).iter().take(PARTNERS_AHEAD) {
            w.memory.prefetch_dyad(d);
        }
        s.prefetch_social(i);
    }
}
