//! Drawings of one replicate's wave networks side by side, on one layout computed over every
//! organisation present in any wave ([`crate::report::layout`]), so that the waves compare at
//! a glance: organisations coloured by kind and sized by degree, ties coloured by origin,
//! organisations absent from a wave shown as faint dots, the partnerships' leads ringed and
//! labelled with their ids.

use super::{Figure, LegendEntry, Swatch, bold, err, font, framed, legend, palette, px};
use crate::data::Kind;
use crate::network::Origin;
use crate::report::layout::{Layout, territory_layout};
use crate::report::networks::WaveNetwork;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::{HashMap, HashSet};

/// Colour of an organisation kind.
pub fn kind_colour(k: Kind) -> RGBColor {
    match k {
        Kind::EnteGestore => palette::BLUE,
        Kind::Public => palette::SKY,
        Kind::ThirdSector => palette::GREEN,
        Kind::Firm => palette::ORANGE,
        Kind::Other => palette::PURPLE,
    }
}

/// Colour of a tie origin.
pub fn origin_colour(o: Origin) -> RGBColor {
    match o {
        Origin::Baseline => RGBColor(140, 140, 140),
        Origin::Programme => palette::VERMILION,
        Origin::PostProgramme => RGBColor(110, 60, 170),
    }
}

/// Seed of the layout's starting positions.
pub const LAYOUT_SEED: u64 = 0x05EE_D1A7;

/// Largest number of organisations drawn (beyond it, a drawing says nothing a reader can see).
pub const MAX_DRAWN: usize = 3000;

struct Panel {
    title: String,
    detail: String,
    /// (organisation, degree) of the active ones.
    nodes: Vec<(usize, usize)>,
    ties: Vec<(usize, usize, Origin)>,
}

/// The wave networks of one replicate on a shared layout.
pub struct NetworkFigure {
    title: String,
    subtitle: String,
    kinds: Vec<Kind>,
    /// Organisation ids.
    ids: Vec<String>,
    /// Whether each organisation leads a funded project (ringed and labelled).
    lead: Vec<bool>,
    /// Territory of each organisation.
    territory: Vec<String>,
    layout: Layout,
    panels: Vec<Panel>,
    panel_size: (u32, u32),
}

const HEADER: u32 = 60;
const FOOTER: u32 = 40;

impl NetworkFigure {
    /// Builds the figure from the waves of one replicate; `steps` labels each wave, `leads`
    /// are the ids of the projects' leads. `None` when there is nothing to draw or more than
    /// [`MAX_DRAWN`] organisations.
    pub fn new(
        title: String,
        subtitle: String,
        waves: &[WaveNetwork],
        steps: &[(usize, u32)],
        leads: &HashSet<String>,
    ) -> Option<NetworkFigure> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut ids: Vec<&str> = Vec::new();
        let mut terr: Vec<&str> = Vec::new();
        let mut kinds: Vec<Kind> = Vec::new();
        for w in waves {
            for n in &w.nodes {
                index.entry(&n.id).or_insert_with(|| {
                    ids.push(&n.id);
                    terr.push(&n.territory);
                    kinds.push(n.kind);
                    ids.len() - 1
                });
            }
        }
        if ids.is_empty() || ids.len() > MAX_DRAWN {
            return None;
        }
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut panels = Vec::new();
        for w in waves {
            let mut degree: HashMap<usize, usize> = HashMap::new();
            let mut ties = Vec::new();
            for t in &w.ties {
                if let (Some(&a), Some(&b)) = (index.get(t.from.as_str()), index.get(t.to.as_str()))
                {
                    ties.push((a, b, t.origin));
                    edges.push((a, b));
                    *degree.entry(a).or_default() += 1;
                    *degree.entry(b).or_default() += 1;
                }
            }
            let nodes: Vec<(usize, usize)> = w
                .nodes
                .iter()
                .filter_map(|n| index.get(n.id.as_str()))
                .map(|&i| (i, degree.get(&i).copied().unwrap_or(0)))
                .collect();
            let step = steps
                .iter()
                .find(|s| s.0 == w.wave)
                .map(|s| format!(" · month {}", s.1))
                .unwrap_or_default();
            panels.push(Panel {
                title: format!("Wave {}{step}", w.wave),
                detail: format!("{} organisations, {} ties", nodes.len(), ties.len()),
                nodes,
                ties,
            });
        }
        let panel_size = (480, 520);
        let layout = territory_layout(&ids, &terr, &edges, 480.0 / 470.0, LAYOUT_SEED);
        let territory = terr.iter().map(|t| t.to_string()).collect();
        let lead = ids.iter().map(|id| leads.contains(*id)).collect();
        let ids = ids.iter().map(|id| id.to_string()).collect();
        Some(NetworkFigure {
            title,
            subtitle,
            kinds,
            ids,
            lead,
            territory,
            layout,
            panels,
            panel_size,
        })
    }

    fn bounds(&self) -> (f64, f64, f64, f64) {
        let mut b = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for c in &self.layout.clusters {
            b.0 = b.0.min(c.centre.0 - c.radius);
            b.1 = b.1.min(c.centre.1 - c.radius);
            b.2 = b.2.max(c.centre.0 + c.radius);
            // Room for the territory's name under its disc.
            b.3 = b.3.max(c.centre.1 + c.radius * 1.0 + 1.2);
        }
        b
    }

    /// Where the layout lands in a panel of `w` x `h` pixels below its `top` header.
    fn placement(&self, (w, h): (u32, u32), s: f64) -> Placement {
        let top = px(s, 42.0) as f64;
        let pad = px(s, 10.0) as f64;
        let (bx0, by0, bx1, by1) = self.bounds();
        let (aw, ah) = (w as f64 - 2.0 * pad, h as f64 - top - pad);
        let scale = (aw / (bx1 - bx0)).min(ah / (by1 - by0));
        Placement {
            origin: (
                pad + (aw - scale * (bx1 - bx0)) / 2.0,
                top + (ah - scale * (by1 - by0)) / 2.0,
            ),
            min: (bx0, by0),
            scale,
        }
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &Panel,
        s: f64,
    ) -> Result<(), String> {
        area.draw(&Text::new(
            p.title.clone(),
            (px(s, 10.0), px(s, 4.0)),
            bold(s, 13.5).color(&palette::INK),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            p.detail.clone(),
            (px(s, 10.0), px(s, 22.0)),
            font(s, 11.5).color(&palette::GREY),
        ))
        .map_err(err)?;
        let painter = Painter {
            fig: self,
            area,
            p,
            place: self.placement(area.dim_in_pixel(), s),
            s,
        };
        painter.absent()?;
        painter.ties()?;
        painter.nodes()?;
        painter.lead_ids()?;
        painter.territory_names()
    }
}

/// What draws one wave's panel: the figure, the panel's area and wave, the placement of the
/// layout in it, the scale.
struct Painter<'a, DB: DrawingBackend> {
    fig: &'a NetworkFigure,
    area: &'a DrawingArea<DB, Shift>,
    p: &'a Panel,
    place: Placement,
    s: f64,
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    fn at(&self, i: usize) -> (i32, i32) {
        self.place.at(self.fig.layout.positions[i])
    }

    /// Organisations not active at the panel's wave: faint dots, so the layout is the same in
    /// every panel.
    fn absent(&self) -> Result<(), String> {
        let n = self.fig.layout.positions.len();
        let mut present = vec![false; n];
        for &(i, _) in &self.p.nodes {
            present[i] = true;
        }
        for i in (0..n).filter(|&i| !present[i]) {
            self.area
                .draw(&Circle::new(
                    self.at(i),
                    px(self.s, 1.6),
                    RGBColor(215, 215, 215).filled(),
                ))
                .map_err(err)?;
        }
        Ok(())
    }

    /// The ties by origin; ties across territories are long, drawn fainter so they do not
    /// hide the clusters.
    fn ties(&self) -> Result<(), String> {
        let territory = &self.fig.territory;
        for o in Origin::ALL {
            let alpha = if o == Origin::Baseline { 0.55 } else { 0.85 };
            let width = px(self.s, 0.9).max(1) as u32;
            for &(a, b, _) in self.p.ties.iter().filter(|t| t.2 == o) {
                let across = territory[a] != territory[b];
                let style = origin_colour(o)
                    .mix(if across { alpha * 0.4 } else { alpha })
                    .stroke_width(width);
                self.area
                    .draw(&PathElement::new(vec![self.at(a), self.at(b)], style))
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    /// The active organisations: coloured by kind, sized by degree, the leads ringed.
    fn nodes(&self) -> Result<(), String> {
        let s = self.s;
        for &(i, d) in &self.p.nodes {
            let r = node_radius(d);
            let c = self.at(i);
            self.area
                .draw(&Circle::new(c, px(s, r + 0.6), WHITE.filled()))
                .map_err(err)?;
            self.area
                .draw(&Circle::new(
                    c,
                    px(s, r),
                    kind_colour(self.fig.kinds[i]).filled(),
                ))
                .map_err(err)?;
            if self.fig.lead[i] {
                self.area
                    .draw(&Circle::new(
                        c,
                        px(s, r + 1.6),
                        palette::INK.stroke_width(px(s, 1.2).max(1) as u32),
                    ))
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    /// The leads' ids, beside their rings, over a white halo so ties do not cross them.
    fn lead_ids(&self) -> Result<(), String> {
        let s = self.s;
        let name = font(s, 8.5)
            .color(&palette::INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let halo = font(s, 8.5)
            .color(&WHITE)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for &(i, d) in self.p.nodes.iter().filter(|(i, _)| self.fig.lead[*i]) {
            let (x, y) = self.at(i);
            let x = x + px(s, node_radius(d) + 3.0);
            let id = &self.fig.ids[i];
            for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                self.area
                    .draw(&Text::new(
                        id.clone(),
                        (x + dx * px(s, 0.8), y + dy * px(s, 0.8)),
                        halo.clone(),
                    ))
                    .map_err(err)?;
            }
            self.area
                .draw(&Text::new(id.clone(), (x, y), name.clone()))
                .map_err(err)?;
        }
        Ok(())
    }

    /// The territories' names under their discs.
    fn territory_names(&self) -> Result<(), String> {
        let label = font(self.s, 9.0)
            .color(&palette::GREY)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for c in &self.fig.layout.clusters {
            let (x, y) = self.place.at((c.centre.0, c.centre.1 + c.radius + 0.15));
            self.area
                .draw(&Text::new(c.name.clone(), (x, y), label.clone()))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Nominal radius of an organisation of degree `d`.
fn node_radius(d: usize) -> f64 {
    2.2 + 0.75 * (d as f64).sqrt()
}

/// The map from layout coordinates to a panel's pixels.
struct Placement {
    /// Pixel position of the layout's minimum corner.
    origin: (f64, f64),
    /// The layout's minimum corner.
    min: (f64, f64),
    /// Pixels per layout unit.
    scale: f64,
}

impl Placement {
    fn at(&self, q: (f64, f64)) -> (i32, i32) {
        (
            (self.origin.0 + (q.0 - self.min.0) * self.scale).round() as i32,
            (self.origin.1 + (q.1 - self.min.1) * self.scale).round() as i32,
        )
    }
}

impl Figure for NetworkFigure {
    fn size(&self) -> (u32, u32) {
        (
            self.panels.len().max(1) as u32 * self.panel_size.0 + 24,
            self.panel_size.1 + HEADER + FOOTER,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> Result<(), String> {
        let lines = std::slice::from_ref(&self.subtitle);
        let [body, foot] = framed(root, s, (HEADER, FOOTER), &self.title, lines)?;
        let body = body.margin(0, 0, px(s, 12.0), px(s, 12.0));
        let areas = body.split_evenly((1, self.panels.len().max(1)));
        for (p, a) in self.panels.iter().zip(&areas) {
            self.draw_panel(a, p, s)?;
        }
        let mut entries: Vec<LegendEntry> = Kind::ALL
            .iter()
            .filter(|k| self.kinds.contains(k))
            .map(|&k| LegendEntry {
                label: k.name().replace('_', " "),
                colour: kind_colour(k),
                swatch: Swatch::Dot,
            })
            .collect();
        entries.extend(Origin::ALL.iter().map(|&o| LegendEntry {
            label: format!("{} tie", o.name().replace('_', "-")),
            colour: origin_colour(o),
            swatch: Swatch::Line,
        }));
        if self.lead.contains(&true) {
            entries.push(LegendEntry {
                label: "ringed, with id: project lead".into(),
                colour: palette::INK,
                swatch: Swatch::Dot,
            });
        }
        legend(&foot, s, &entries)
    }
}
