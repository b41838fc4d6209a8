//! Hand-written SVG charts: linear and categorical axes with labelled ticks, line and point
//! series on one or more stacked panels that share the x axis, and stacked bars.
//!
//! Coordinates are printed with one decimal and tick labels with a fixed count of decimals, so
//! the same data always gives the same bytes. The `<svg>` elements carry no `xmlns`, because
//! inline SVG inside an HTML page is in the SVG namespace without one.

use std::fmt::Write;

use super::escape;

/// Width of every chart, px.
pub const WIDTH: f64 = 760.0;
const MARGIN_LEFT: f64 = 92.0;
/// Room right of the plot for half of the last x tick label.
const MARGIN_RIGHT: f64 = 44.0;
const MARGIN_TOP: f64 = 12.0;
const LEGEND_ROW_HEIGHT: f64 = 20.0;
const PANEL_HEIGHT: f64 = 280.0;
/// Space between two stacked panels, which leaves room for the lower panel's top tick label.
const PANEL_GAP: f64 = 28.0;
/// Space under the last panel for the x tick labels and the x axis title.
const MARGIN_BOTTOM: f64 = 58.0;
/// Estimated width of one character of 12 px sans-serif text, used to lay out the legend.
const CHAR_WIDTH: f64 = 7.0;
/// Roughly how many ticks a linear axis gets; the step is rounded to 1, 2, 2.5 or 5 × 10^k.
const TARGET_TICKS: f64 = 6.0;
/// Most distinct values that [`Axis::at_values`] labels one by one.
pub const MAX_VALUE_TICKS: usize = 10;
/// Smallest gap between two labelled values, as a share of their range.
const MIN_TICK_GAP: f64 = 0.06;
/// Space left beyond the outermost values of [`Axis::at_values`], as a share of their range.
const AXIS_PAD: f64 = 0.06;
/// Ratio of the largest to the smallest value above which [`Axis::log_if_wide`] goes log.
pub const LOG_SPAN: f64 = 30.0;
/// Factor of space a log axis leaves beyond its outermost values.
const LOG_PAD: f64 = 1.25;

/// An axis: its title (with the unit), its domain and its labelled ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub title: String,
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<(f64, String)>,
    /// Whether positions follow log10 of the value; `min` and `max` are then above zero.
    pub log: bool,
}

impl Axis {
    /// Builds a linear axis whose domain covers the finite `values` (and zero when
    /// `include_zero` is set), widened to round tick values.
    pub fn linear(title: &str, values: impl IntoIterator<Item = f64>, include_zero: bool) -> Axis {
        let mut low = f64::INFINITY;
        let mut high = f64::NEG_INFINITY;
        for value in values.into_iter().filter(|value| value.is_finite()) {
            low = low.min(value);
            high = high.max(value);
        }
        if include_zero {
            low = low.min(0.0);
            high = high.max(0.0);
        }
        if low > high {
            (low, high) = (0.0, 1.0);
        } else if low == 0.0 && high == 0.0 {
            high = 1.0;
        } else if low == high {
            // One distinct value: give it a tenth of its size on each side.
            let pad = low.abs() / 10.0;
            (low, high) = (low - pad, high + pad);
        }
        let step = nice_step((high - low) / TARGET_TICKS);
        let first = (low / step).floor() as i64;
        let last = (high / step).ceil() as i64;
        let decimals = decimals_for(step);
        let ticks = (first..=last)
            .map(|k| {
                let value = k as f64 * step;
                (value, format_number(value, decimals))
            })
            .collect();
        Axis {
            title: title.to_string(),
            min: first as f64 * step,
            max: last as f64 * step,
            ticks,
            log: false,
        }
    }

    /// Builds a linear axis with a tick at each of the few distinct `values`, as for the values
    /// of a swept parameter. It falls back to [`Axis::linear`] for more than
    /// [`MAX_VALUE_TICKS`] values, or for values so close that their labels would overlap.
    pub fn at_values(title: &str, values: impl IntoIterator<Item = f64>) -> Axis {
        let mut distinct: Vec<f64> = values
            .into_iter()
            .filter(|value| value.is_finite())
            .collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let (Some(&low), Some(&high)) = (distinct.first(), distinct.last()) else {
            return Axis::linear(title, distinct, false);
        };
        let range = high - low;
        let spaced = distinct
            .windows(2)
            .all(|pair| pair[1] - pair[0] >= MIN_TICK_GAP * range);
        if distinct.len() < 2 || distinct.len() > MAX_VALUE_TICKS || !spaced {
            return Axis::linear(title, distinct, false);
        }
        let pad = AXIS_PAD * range;
        Axis {
            title: title.to_string(),
            min: low - pad,
            max: high + pad,
            ticks: distinct
                .iter()
                .map(|&value| (value, format_number(value, decimals_for(value))))
                .collect(),
            log: false,
        }
    }

    /// Builds a log10 axis over the `values` when they are all above zero and the largest is
    /// more than [`LOG_SPAN`] times the smallest. Other values get a linear axis without zero.
    /// A log axis appends ", log scale" to the title. It has a tick at each power of ten, and
    /// at 2 and 5 times each when the values span three decades or less.
    pub fn log_if_wide(title: &str, values: impl IntoIterator<Item = f64>) -> Axis {
        let values: Vec<f64> = values
            .into_iter()
            .filter(|value| value.is_finite())
            .collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(low > 0.0 && high / low > LOG_SPAN) {
            return Axis::linear(title, values, false);
        }
        let (min, max) = (low / LOG_PAD, high * LOG_PAD);
        let first = min.log10().floor() as i32;
        let last = max.log10().ceil() as i32;
        let factors: &[f64] = if last - first <= 3 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = Vec::new();
        for exponent in first..=last {
            for factor in factors {
                let value = factor * 10f64.powi(exponent);
                if (min..=max).contains(&value) {
                    ticks.push((value, format_number(value, decimals_for(value))));
                }
            }
        }
        Axis {
            title: format!("{title}, log scale"),
            min,
            max,
            ticks,
            log: true,
        }
    }

    /// Builds an axis of named categories at positions 0, 1, 2, … with half a step of margin on
    /// each side.
    pub fn categorical(title: &str, labels: &[String]) -> Axis {
        Axis {
            title: title.to_string(),
            min: -0.5,
            max: labels.len() as f64 - 0.5,
            ticks: labels
                .iter()
                .enumerate()
                .map(|(index, label)| (index as f64, label.clone()))
                .collect(),
            log: false,
        }
    }

    /// Maps `value` to a pixel offset in `0..=length` from the axis start.
    fn offset(&self, value: f64, length: f64) -> f64 {
        if self.log {
            (value.log10() - self.min.log10()) / (self.max.log10() - self.min.log10()) * length
        } else {
            (value - self.min) / (self.max - self.min) * length
        }
    }
}

/// Rounds `rough` up to 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(rough: f64) -> f64 {
    if !(rough.is_finite() && rough > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(rough.log10().floor());
    let residual = rough / magnitude;
    let factor = [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .find(|&factor| residual <= factor * (1.0 + 1e-9))
        .unwrap_or(10.0);
    factor * magnitude
}

/// Returns the fewest decimals (maximum 6) that print every multiple of `step` exactly.
fn decimals_for(step: f64) -> usize {
    (0..6)
        .find(|&decimals| {
            let scaled = step * 10f64.powi(decimals as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// Formats `value` with `decimals` decimals and commas between groups of three digits, and
/// never prints `-0`.
pub fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) if rest.chars().any(|c| c.is_ascii_digit() && c != '0') => ("-", rest),
        Some(rest) => ("", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The drawing style of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Line,
    Points,
    LineAndPoints,
    /// A thick line with ringed points, for a highlighted subset such as a Pareto front.
    Highlight,
    /// A thin dashed line, for a reference such as a target.
    Reference,
    /// A filled square in the legend, for the segments of a bar chart; draws nothing in a
    /// series.
    Bar,
}

/// One point of a series, with an optional tooltip shown on hover.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub tooltip: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub mark: Mark,
    pub points: Vec<Point>,
}

/// One panel of an [`XyChart`]: a y axis and the series drawn against it.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub y: Axis,
    pub series: Vec<Series>,
}

/// A chart of one or more panels stacked on top of each other, sharing the x axis.
#[derive(Clone, Debug, PartialEq)]
pub struct XyChart {
    /// The `id` attribute of the `<svg>`.
    pub id: String,
    /// The accessible name of the chart (`aria-label`).
    pub label: String,
    pub x: Axis,
    pub panels: Vec<Panel>,
}

/// A legend entry: a swatch in the series' colour and mark, and its name.
#[derive(Clone, Debug, PartialEq)]
struct LegendEntry<'a> {
    name: &'a str,
    color: &'a str,
    mark: Mark,
}

/// The pixel rectangle that a panel's data area takes.
#[derive(Clone, Copy, Debug)]
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn x(&self, axis: &Axis, value: f64) -> f64 {
        self.left + axis.offset(value, self.width)
    }

    fn y(&self, axis: &Axis, value: f64) -> f64 {
        self.top + self.height - axis.offset(value, self.height)
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

impl XyChart {
    /// Renders the chart as an inline `<svg>` element.
    pub fn render(&self) -> String {
        let mut legend = Vec::new();
        for series in self.panels.iter().flat_map(|panel| &panel.series) {
            let entry = LegendEntry {
                name: &series.name,
                color: series.color,
                mark: series.mark,
            };
            if !legend.contains(&entry) {
                legend.push(entry);
            }
        }
        let legend_rows = layout_legend(&legend);
        let legend_height = legend_rows.len() as f64 * LEGEND_ROW_HEIGHT;
        let panel_count = self.panels.len().max(1) as f64;
        let height = MARGIN_TOP
            + legend_height
            + panel_count * PANEL_HEIGHT
            + (panel_count - 1.0) * PANEL_GAP
            + MARGIN_BOTTOM;

        let mut out = String::new();
        open_svg(&mut out, &self.id, &self.label, height);
        render_legend(&mut out, &legend, &legend_rows, MARGIN_TOP);
        let plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
        let mut top = MARGIN_TOP + legend_height + 8.0;
        for (index, panel) in self.panels.iter().enumerate() {
            let frame = Frame {
                left: MARGIN_LEFT,
                top,
                width: plot_width,
                height: PANEL_HEIGHT - 8.0,
            };
            let last = index + 1 == self.panels.len();
            render_panel(&mut out, &frame, &self.x, panel, last);
            top += PANEL_HEIGHT + PANEL_GAP;
        }
        let x_title_y = height - 14.0;
        let _ = writeln!(
            out,
            r#"<text class="axis-title x-title" x="{:.1}" y="{x_title_y:.1}" text-anchor="middle">{}</text>"#,
            MARGIN_LEFT + plot_width / 2.0,
            escape(&self.x.title)
        );
        out.push_str("</svg>\n");
        out
    }
}

fn open_svg(out: &mut String, id: &str, label: &str, height: f64) {
    let _ = writeln!(
        out,
        r#"<svg id="{}" class="chart" width="{WIDTH:.0}" height="{height:.0}" viewBox="0 0 {WIDTH:.0} {height:.0}" role="img" aria-label="{}">"#,
        escape(id),
        escape(label)
    );
}

/// Splits the legend into rows that fit the chart width; returns each row's entry indices and
/// their x positions.
fn layout_legend(legend: &[LegendEntry]) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut x = MARGIN_LEFT;
    for (index, entry) in legend.iter().enumerate() {
        let width = 26.0 + entry.name.chars().count() as f64 * CHAR_WIDTH + 18.0;
        if rows.is_empty() || (x + width > WIDTH - MARGIN_RIGHT && x > MARGIN_LEFT) {
            rows.push(Vec::new());
            x = MARGIN_LEFT;
        }
        rows.last_mut().expect("a row was pushed").push((index, x));
        x += width;
    }
    rows
}

fn render_legend(out: &mut String, legend: &[LegendEntry], rows: &[Vec<(usize, f64)>], top: f64) {
    if legend.is_empty() {
        return;
    }
    out.push_str("<g class=\"legend\">\n");
    for (row_index, row) in rows.iter().enumerate() {
        let y = top + row_index as f64 * LEGEND_ROW_HEIGHT + LEGEND_ROW_HEIGHT / 2.0;
        for &(index, x) in row {
            let entry = &legend[index];
            render_swatch(out, entry.color, entry.mark, x, y);
            let _ = writeln!(
                out,
                r#"<text class="legend-label" x="{:.1}" y="{:.1}">{}</text>"#,
                x + 26.0,
                y + 4.0,
                escape(entry.name)
            );
        }
    }
    out.push_str("</g>\n");
}

/// Returns whether a mark draws a line, and whether it draws points.
fn draws(mark: Mark) -> (bool, bool) {
    match mark {
        Mark::Line | Mark::Reference => (true, false),
        Mark::Points => (false, true),
        Mark::LineAndPoints | Mark::Highlight => (true, true),
        Mark::Bar => (false, false),
    }
}

/// Returns the stroke attributes of a mark's line.
fn stroke_style(mark: Mark) -> &'static str {
    match mark {
        Mark::Highlight => r#"stroke-width="3.0""#,
        Mark::Reference => r#"stroke-width="1.5" stroke-dasharray="6 4""#,
        _ => r#"stroke-width="2.0""#,
    }
}

fn render_swatch(out: &mut String, color: &str, mark: Mark, x: f64, y: f64) {
    if mark == Mark::Bar {
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="12.0" height="12.0" fill="{color}"/>"#,
            x + 4.0,
            y - 6.0
        );
        return;
    }
    let (line, point) = draws(mark);
    if line {
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{color}" {}/>"#,
            x + 20.0,
            stroke_style(mark)
        );
    }
    if point {
        render_point(out, color, mark, x + 10.0, y, None);
    }
}

fn render_point(out: &mut String, color: &str, mark: Mark, x: f64, y: f64, tooltip: Option<&str>) {
    let attributes = if mark == Mark::Highlight {
        format!(r#"r="6.0" fill="none" stroke="{color}" stroke-width="2.5""#)
    } else {
        format!(r#"r="4.0" fill="{color}" fill-opacity="0.85""#)
    };
    match tooltip {
        Some(tooltip) => {
            let _ = writeln!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" {attributes}><title>{}</title></circle>"#,
                escape(tooltip)
            );
        }
        None => {
            let _ = writeln!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" {attributes}/>"#);
        }
    }
}

/// Draws the grid, the ticks, the y axis title and the series of one panel. Only the last
/// panel labels the x ticks, because the panels share the x axis.
fn render_panel(out: &mut String, frame: &Frame, x_axis: &Axis, panel: &Panel, last: bool) {
    out.push_str("<g class=\"panel\">\n");
    render_y_axis(out, frame, &panel.y);
    render_x_ticks(out, frame, x_axis, last);
    render_frame(out, frame);
    for series in &panel.series {
        render_series(out, frame, x_axis, &panel.y, series);
    }
    out.push_str("</g>\n");
}

fn render_y_axis(out: &mut String, frame: &Frame, axis: &Axis) {
    for (value, label) in &axis.ticks {
        let y = frame.y(axis, *value);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/>"##,
            frame.left,
            frame.left + frame.width
        );
        let _ = writeln!(
            out,
            r#"<text class="tick y-tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            frame.left - 6.0,
            y + 4.0,
            escape(label)
        );
    }
    let title_x = 18.0;
    let title_y = frame.top + frame.height / 2.0;
    let _ = writeln!(
        out,
        r#"<text class="axis-title y-title" x="{title_x:.1}" y="{title_y:.1}" text-anchor="middle" transform="rotate(-90 {title_x:.1} {title_y:.1})">{}</text>"#,
        escape(&axis.title)
    );
}

fn render_x_ticks(out: &mut String, frame: &Frame, axis: &Axis, labelled: bool) {
    for (value, label) in &axis.ticks {
        let x = frame.x(axis, *value);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#eeeeee"/>"##,
            frame.top,
            frame.bottom()
        );
        if labelled {
            let _ = writeln!(
                out,
                r#"<text class="tick x-tick" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                frame.bottom() + 18.0,
                escape(label)
            );
        }
    }
}

fn render_frame(out: &mut String, frame: &Frame) {
    let _ = writeln!(
        out,
        r##"<path class="axis" d="M{:.1} {:.1}V{:.1}H{:.1}" fill="none" stroke="#444444"/>"##,
        frame.left,
        frame.top,
        frame.bottom(),
        frame.left + frame.width
    );
}

fn render_series(out: &mut String, frame: &Frame, x_axis: &Axis, y_axis: &Axis, series: &Series) {
    let pixels: Vec<(f64, f64, Option<&str>)> = series
        .points
        .iter()
        .map(|point| {
            (
                frame.x(x_axis, point.x),
                frame.y(y_axis, point.y),
                point.tooltip.as_deref(),
            )
        })
        // Drops missing values, and values at or below zero on a log axis.
        .filter(|(x, y, _)| x.is_finite() && y.is_finite())
        .collect();
    let (line, points) = draws(series.mark);
    if line && pixels.len() > 1 {
        let mut coordinates = String::new();
        for (x, y) in thin_line(&pixels) {
            let _ = write!(coordinates, "{x:.1},{y:.1} ");
        }
        let _ = writeln!(
            out,
            r#"<polyline class="series" points="{}" fill="none" stroke="{}" {} stroke-linejoin="round"><title>{}</title></polyline>"#,
            coordinates.trim_end(),
            series.color,
            stroke_style(series.mark),
            escape(&series.name)
        );
    }
    if points {
        for &(x, y, tooltip) in &pixels {
            render_point(out, series.color, series.mark, x, y, tooltip);
        }
    }
}

/// Keeps, of each pixel column, the points with the lowest and the highest y in their original
/// order, so a line of many thousand samples stays small but keeps every spike.
fn thin_line(pixels: &[(f64, f64, Option<&str>)]) -> Vec<(f64, f64)> {
    if pixels.len() <= 2 * WIDTH as usize {
        return pixels.iter().map(|&(x, y, _)| (x, y)).collect();
    }
    let mut kept = Vec::new();
    let mut start = 0;
    while start < pixels.len() {
        let column = pixels[start].0.floor();
        let mut end = start;
        while end < pixels.len() && pixels[end].0.floor() == column {
            end += 1;
        }
        let bucket = &pixels[start..end];
        let (mut low, mut high) = (0, 0);
        for (index, point) in bucket.iter().enumerate() {
            if point.1 < bucket[low].1 {
                low = index;
            }
            if point.1 > bucket[high].1 {
                high = index;
            }
        }
        let (first, second) = (low.min(high), low.max(high));
        kept.push((bucket[first].0, bucket[first].1));
        if second != first {
            kept.push((bucket[second].0, bucket[second].1));
        }
        start = end;
    }
    kept
}

/// One stacked part of every bar of a [`BarChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: String,
    pub color: &'static str,
}

/// Stacked bars, one per category.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    pub id: String,
    pub label: String,
    pub x_title: String,
    pub y_title: String,
    pub categories: Vec<String>,
    pub segments: Vec<Segment>,
    /// Per category, one value per segment, stacked from the bottom in segment order.
    pub values: Vec<Vec<f64>>,
    /// Per category, a short note printed under its label, such as "recommended".
    pub notes: Vec<Option<String>>,
    /// Decimals of the value printed above each bar.
    pub total_decimals: usize,
}

impl BarChart {
    /// Renders the chart as an inline `<svg>` element.
    pub fn render(&self) -> String {
        let legend: Vec<LegendEntry> = self
            .segments
            .iter()
            .map(|segment| LegendEntry {
                name: &segment.name,
                color: segment.color,
                mark: Mark::Bar,
            })
            .collect();
        let legend_rows = layout_legend(&legend);
        let legend_height = legend_rows.len() as f64 * LEGEND_ROW_HEIGHT;
        let height = MARGIN_TOP + legend_height + PANEL_HEIGHT + MARGIN_BOTTOM + 16.0;
        let totals: Vec<f64> = self
            .values
            .iter()
            .map(|values| values.iter().filter(|value| value.is_finite()).sum())
            .collect();
        let y_axis = Axis::linear(&self.y_title, totals.iter().copied(), true);
        let x_axis = Axis::categorical(&self.x_title, &self.categories);
        let frame = Frame {
            left: MARGIN_LEFT,
            top: MARGIN_TOP + legend_height + 8.0,
            width: WIDTH - MARGIN_LEFT - MARGIN_RIGHT,
            height: PANEL_HEIGHT - 8.0,
        };

        let mut out = String::new();
        open_svg(&mut out, &self.id, &self.label, height);
        render_legend(&mut out, &legend, &legend_rows, MARGIN_TOP);
        out.push_str("<g class=\"panel\">\n");
        render_y_axis(&mut out, &frame, &y_axis);
        render_frame(&mut out, &frame);
        let slot = frame.width / self.categories.len().max(1) as f64;
        let bar_width = (slot * 0.6).min(90.0);
        for (index, category) in self.categories.iter().enumerate() {
            let center = frame.x(&x_axis, index as f64);
            let mut base = 0.0;
            for (segment, &value) in self.segments.iter().zip(&self.values[index]) {
                if !(value.is_finite() && value > 0.0) {
                    continue;
                }
                let top = frame.y(&y_axis, base + value);
                let bottom = frame.y(&y_axis, base);
                let _ = writeln!(
                    out,
                    r#"<rect class="bar" x="{:.1}" y="{top:.1}" width="{bar_width:.1}" height="{:.1}" fill="{}"><title>{}: {}: {}</title></rect>"#,
                    center - bar_width / 2.0,
                    (bottom - top).max(0.5),
                    segment.color,
                    escape(category),
                    escape(&segment.name),
                    format_number(value, self.total_decimals)
                );
                base += value;
            }
            let _ = writeln!(
                out,
                r#"<text class="bar-total" x="{center:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                frame.y(&y_axis, totals[index]) - 5.0,
                format_number(totals[index], self.total_decimals)
            );
            let _ = writeln!(
                out,
                r#"<text class="tick x-tick" x="{center:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                frame.bottom() + 18.0,
                escape(category)
            );
            if let Some(Some(note)) = self.notes.get(index) {
                let _ = writeln!(
                    out,
                    r#"<text class="bar-note" x="{center:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    frame.bottom() + 33.0,
                    escape(note)
                );
            }
        }
        out.push_str("</g>\n");
        let _ = writeln!(
            out,
            r#"<text class="axis-title x-title" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            frame.left + frame.width / 2.0,
            height - 12.0,
            escape(&self.x_title)
        );
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(6.0), 10.0);
        assert_eq!(nice_step(1234.0), 2000.0);
        assert_eq!(nice_step(0.03), 0.05);
    }

    #[test]
    fn linear_axis_covers_values() {
        let axis = Axis::linear("Cost (USD)", [130.0, 970.0], true);
        assert_eq!(axis.min, 0.0);
        assert_eq!(axis.max, 1000.0);
        let labels: Vec<&str> = axis.ticks.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(labels, ["0", "200", "400", "600", "800", "1,000"]);
    }

    #[test]
    fn linear_axis_without_zero() {
        let axis = Axis::linear("p90 (s)", [0.32, 0.41], false);
        assert!(axis.min <= 0.32, "{axis:?}");
        assert!(axis.min > 0.2, "{axis:?}");
        assert!(axis.max >= 0.41, "{axis:?}");
        assert!(axis.max < 0.5, "{axis:?}");
        assert!(axis.ticks.iter().all(|(_, label)| label.contains('.')));
    }

    #[test]
    fn linear_axis_of_one_value() {
        let axis = Axis::linear("x", [5.0], false);
        assert!(axis.min < 5.0, "{axis:?}");
        assert!(axis.max > 5.0, "{axis:?}");
        let zero = Axis::linear("x", [0.0, 0.0], true);
        assert_eq!((zero.min, zero.max), (0.0, 1.0));
        let empty = Axis::linear("x", [f64::NAN], false);
        assert_eq!((empty.min, empty.max), (0.0, 1.0));
    }

    #[test]
    fn value_axis_labels_each_value() {
        let axis = Axis::at_values("GPUs", [512.0, 128.0, 256.0, 384.0, 128.0]);
        let labels: Vec<&str> = axis.ticks.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(labels, ["128", "256", "384", "512"]);
        assert!(axis.min < 128.0, "{axis:?}");
        assert!(axis.max > 512.0, "{axis:?}");
        // 1 and 2 sit too close on a 1..100 axis to label both, so round ticks are used.
        let crowded = Axis::at_values("Gbps", [1.0, 2.0, 100.0]);
        assert_eq!(crowded.ticks[0].1, "0");
        let one = Axis::at_values("x", [3.0]);
        assert!(one.min < 3.0, "{one:?}");
        assert!(one.max > 3.0, "{one:?}");
    }

    #[test]
    fn wide_values_get_log_axis() {
        let axis = Axis::log_if_wide("p90 (s)", [13_000.0, 2_100_000.0]);
        assert!(axis.log);
        assert_eq!(axis.title, "p90 (s), log scale");
        let labels: Vec<&str> = axis.ticks.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "20,000",
                "50,000",
                "100,000",
                "200,000",
                "500,000",
                "1,000,000",
                "2,000,000"
            ]
        );
        assert_eq!(axis.offset(axis.min, 100.0), 0.0);
        assert!((axis.offset(axis.max, 100.0) - 100.0).abs() < 1e-9);
        assert!(!Axis::log_if_wide("x", [10.0, 200.0]).log);
        assert!(!Axis::log_if_wide("x", [0.0, 2e6]).log);
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(-1500.0, 0), "-1,500");
        assert_eq!(format_number(-0.0001, 2), "0.00");
        assert_eq!(format_number(0.25, 2), "0.25");
    }

    #[test]
    fn thinning_keeps_extremes() {
        let pixels: Vec<(f64, f64, Option<&str>)> = (0..10_000)
            .map(|index| {
                (
                    index as f64 / 100.0,
                    if index == 5_050 { 99.0 } else { 1.0 },
                    None,
                )
            })
            .collect();
        let kept = thin_line(&pixels);
        assert!(kept.len() <= 200, "{}", kept.len());
        assert!(kept.contains(&(50.5, 99.0)));
    }
}
