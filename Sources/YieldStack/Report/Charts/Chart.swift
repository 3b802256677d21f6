import Foundation

/// A point in data coordinates (x: day offset, category index or value).
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// Marker shapes, so lines stay distinguishable without colour.
public enum MarkerShape: String, Sendable, CaseIterable {
    case circle, square, triangle, diamond, cross
}

/// How one mark is drawn. Colour alone never carries meaning: every series
/// style also differs in dash pattern, marker or hatching.
public struct SeriesStyle: Sendable, Equatable {
    /// A `#rrggbb` colour (ours, never user input).
    public var color: String
    /// An SVG `stroke-dasharray`, nil for a solid line.
    public var dash: String?
    public var marker: MarkerShape?
    public var width: Double
    /// Fill opacity for bands and bars.
    public var opacity: Double
    /// Diagonal white hatching over a fill, for bars that must read in greyscale.
    public var hatched: Bool

    public init(color: String, dash: String? = nil, marker: MarkerShape? = nil, width: Double = 2,
                opacity: Double = 1, hatched: Bool = false) {
        self.color = color
        self.dash = dash
        self.marker = marker
        self.width = width
        self.opacity = opacity
        self.hatched = hatched
    }
}

/// The Okabe–Ito palette (distinguishable with the common colour-vision
/// deficiencies) paired with dash patterns and markers for greyscale print.
public enum Palette {
    public static let black = "#000000"
    public static let orange = "#E69F00"
    public static let skyBlue = "#56B4E9"
    public static let bluishGreen = "#009E73"
    public static let yellow = "#F0E442"
    public static let blue = "#0072B2"
    public static let vermillion = "#D55E00"
    public static let reddishPurple = "#CC79A7"
    public static let grey = "#777777"

    /// Series order: yellow last, as it is faint on white.
    public static let series = [blue, vermillion, bluishGreen, reddishPurple, orange, skyBlue, black, yellow]
    static let dashes: [String?] = [nil, "7 4", "2 3", "9 3 2 3", "4 2", "12 4", "2 6", "6 2 2 2"]

    /// The style of the i-th series: colour, dash and marker all cycle.
    public static func style(_ i: Int, width: Double = 2) -> SeriesStyle {
        let k = ((i % series.count) + series.count) % series.count
        return SeriesStyle(color: series[k], dash: dashes[k % dashes.count],
                           marker: MarkerShape.allCases[k % MarkerShape.allCases.count], width: width)
    }
}

/// A bar in data coordinates: x0…x1 wide, from y0 to y1 (either order).
public struct ChartBar: Sendable, Equatable {
    public var x0, x1, y0, y1: Double
    /// Printed above (or below, for a negative bar) the bar.
    public var label: String?
    public init(x0: Double, x1: Double, y0: Double, y1: Double, label: String? = nil) {
        self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1; self.label = label
    }
}

/// One layer of a chart. A non-nil `name` puts the mark in the legend.
public enum ChartMark: Sendable {
    case line(name: String?, points: [ChartPoint], style: SeriesStyle)
    /// The area between `low` and `high` at each x.
    case band(name: String?, x: [Double], low: [Double], high: [Double], style: SeriesStyle)
    case bars(name: String?, bars: [ChartBar], style: SeriesStyle)
    /// Markers only.
    case points(name: String?, points: [ChartPoint], style: SeriesStyle)
    /// A reference line across the plot: horizontal at y = value, or vertical at x = value.
    case hRule(name: String?, y: Double, label: String?, style: SeriesStyle)
    case vRule(name: String?, x: Double, label: String?, style: SeriesStyle)

    var name: String? {
        switch self {
        case .line(let n, _, _), .band(let n, _, _, _, _), .bars(let n, _, _), .points(let n, _, _),
             .hRule(let n, _, _, _), .vRule(let n, _, _, _): return n
        }
    }

    var style: SeriesStyle {
        switch self {
        case .line(_, _, let s), .band(_, _, _, _, let s), .bars(_, _, let s), .points(_, _, let s),
             .hRule(_, _, _, let s), .vRule(_, _, _, let s): return s
        }
    }
}

/// What the x axis shows.
public enum ChartXAxis: Sendable {
    /// Day offsets from `start`, labelled with calendar dates.
    case dates(start: CivilDate)
    /// Plain numbers with round ticks (a histogram's values).
    case numeric
    /// One slot per label at x = 0, 1, 2, … (a waterfall's steps).
    case categories([String])
}

/// How y tick labels print.
public enum ValueFormat: Sendable, Equatable {
    /// Grouped thousands, as many decimals as the tick step needs.
    case number
    /// Fractions shown as percentages (0.25 → 25 %).
    case percent
}

/// A chart described as data; `ChartRenderer` turns it into SVG. Keeping the
/// description separate lets tests check what a chart shows without parsing
/// its drawing.
public struct Chart: Sendable {
    /// A stable id (letters, digits, `-`): the SVG's `id`, and the prefix of
    /// its clip path and patterns, which must be unique within one HTML page.
    public var id: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var x: ChartXAxis
    public var xFormat: ValueFormat
    public var yFormat: ValueFormat
    public var marks: [ChartMark]
    /// Fix the y range (values outside are clipped) instead of fitting the data.
    public var yDomain: (Double, Double)?
    /// Keep zero on the y axis (bars, counts).
    public var includeZero: Bool
    public var width: Double
    public var height: Double

    public init(id: String, title: String, xLabel: String, yLabel: String, x: ChartXAxis,
                xFormat: ValueFormat = .number, yFormat: ValueFormat = .number, marks: [ChartMark],
                yDomain: (Double, Double)? = nil, includeZero: Bool = false, width: Double = 760, height: Double = 380) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.x = x
        self.xFormat = xFormat
        self.yFormat = yFormat
        self.marks = marks
        self.yDomain = yDomain
        self.includeZero = includeZero
        self.width = width
        self.height = height
    }

    /// Renders the chart as one `<svg>` element.
    public func svg() -> String { ChartRenderer(chart: self).render() }
}

/// Lays out and draws a `Chart`: title, legend, axes with round ticks, grid,
/// then the marks clipped to the plot area. Every element a test or a
/// stylesheet may look for carries a class: `chart`, `chart-title`,
/// `legend`, `legend-item`, `x-axis`, `y-axis`, `x-axis-label`, `y-axis-label`.
struct ChartRenderer {
    let chart: Chart

    static let font = "12"
    /// A white outline behind labels drawn over data, so they stay legible.
    static let halo: [(String, String)] = [("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"), ("font-weight", "bold")]
    static let charWidth = 6.8

    struct Layout {
        var left, right, top, bottom: Double
        var plotWidth: Double { right - left }
        var plotHeight: Double { bottom - top }
    }

    func render() -> String {
        let c = chart
        let legend = legendItems()
        let legendRows = layoutLegend(legend, width: c.width - 96)
        let legendHeight = Double(legendRows.count) * 20
        let layout = Layout(left: 84, right: c.width - 36, top: 40 + legendHeight + (legendRows.isEmpty ? 0 : 6),
                            bottom: c.height - (isCategorical ? 62 : 50))
        let (xScale, xTicks) = xAxis(layout)
        let (yScale, yTicks) = yAxis(layout)

        var w = SVGWriter()
        w.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"), ("id", c.id),
                       ("viewBox", "0 0 \(SVGNumber.text(c.width)) \(SVGNumber.text(c.height))"),
                       ("width", SVGNumber.text(c.width)), ("height", SVGNumber.text(c.height)),
                       ("role", "img"), ("aria-labelledby", "\(c.id)-title"),
                       ("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"), ("font-size", Self.font)])
        w.text("title", [("id", "\(c.id)-title")], c.title)
        defs(&w, layout)
        w.empty("rect", [("x", "0"), ("y", "0"), ("width", SVGNumber.text(c.width)), ("height", SVGNumber.text(c.height)), ("fill", "#ffffff")])
        w.text("text", [("class", "chart-title"), ("x", SVGNumber.text(c.width / 2)), ("y", "22"), ("text-anchor", "middle"),
                        ("font-size", "15"), ("font-weight", "bold")], Self.fit(c.title, Int(c.width / 8.6)))
        drawLegend(&w, legendRows, top: 36)

        // Grid and axes.
        w.open("g", [("class", "y-axis")])
        for (v, label) in yTicks {
            let y = yScale(v)
            w.empty("line", [("x1", SVGNumber.text(layout.left)), ("x2", SVGNumber.text(layout.right)), ("y1", SVGNumber.text(y)),
                             ("y2", SVGNumber.text(y)), ("stroke", "#dddddd"), ("stroke-width", "1")])
            w.text("text", [("class", "tick"), ("x", SVGNumber.text(layout.left - 6)), ("y", SVGNumber.text(y + 4)), ("text-anchor", "end")], label)
        }
        w.close("g")
        w.open("g", [("class", "x-axis")])
        for (v, label) in xTicks {
            let x = xScale(v)
            w.empty("line", [("x1", SVGNumber.text(x)), ("x2", SVGNumber.text(x)), ("y1", SVGNumber.text(layout.bottom)),
                             ("y2", SVGNumber.text(layout.bottom + 5)), ("stroke", "#333333"), ("stroke-width", "1")])
            if !isCategorical {
                w.empty("line", [("x1", SVGNumber.text(x)), ("x2", SVGNumber.text(x)), ("y1", SVGNumber.text(layout.top)),
                                 ("y2", SVGNumber.text(layout.bottom)), ("stroke", "#eeeeee"), ("stroke-width", "1")])
            }
            let lines = isCategorical ? wrap(label, width: max(40, layout.plotWidth / Double(max(1, xTicks.count)) - 4)) : [label]
            w.open("text", [("class", "tick"), ("x", SVGNumber.text(x)), ("y", SVGNumber.text(layout.bottom + 18)), ("text-anchor", "middle")])
            for (i, line) in lines.enumerated() {
                w.text("tspan", [("x", SVGNumber.text(x)), ("dy", i == 0 ? "0" : "13")], line)
            }
            w.close("text")
        }
        w.close("g")
        w.empty("rect", [("class", "plot-frame"), ("x", SVGNumber.text(layout.left)), ("y", SVGNumber.text(layout.top)),
                         ("width", SVGNumber.text(layout.plotWidth)), ("height", SVGNumber.text(layout.plotHeight)),
                         ("fill", "none"), ("stroke", "#333333"), ("stroke-width", "1")])
        w.text("text", [("class", "axis-label x-axis-label"), ("x", SVGNumber.text((layout.left + layout.right) / 2)),
                        ("y", SVGNumber.text(c.height - 8)), ("text-anchor", "middle")], c.xLabel)
        let yMid = (layout.top + layout.bottom) / 2
        w.text("text", [("class", "axis-label y-axis-label"), ("x", "16"), ("y", SVGNumber.text(yMid)), ("text-anchor", "middle"),
                        ("transform", "rotate(-90 16 \(SVGNumber.text(yMid)))")], c.yLabel)

        // Marks, clipped to the plot.
        w.open("g", [("class", "marks"), ("clip-path", "url(#\(c.id)-clip)")])
        for (i, mark) in c.marks.enumerated() { draw(mark, index: i, &w, layout, xScale, yScale) }
        w.close("g")
        // Rule labels outside the clip so they are never cut.
        var vRuleIndex = 0
        for mark in c.marks {
            switch mark {
            case .hRule(_, let y, let label?, let style):
                let py = yScale(y)
                guard py >= layout.top, py <= layout.bottom else { continue }
                w.text("text", [("class", "rule-label"), ("x", SVGNumber.text(layout.right - 4)), ("y", SVGNumber.text(py - 4)),
                                ("text-anchor", "end"), ("fill", style.color)] + Self.halo, label)
            case .vRule(_, let x, let label?, let style):
                let px = xScale(x)
                let anchorEnd = px > layout.left + layout.plotWidth * 0.6
                w.text("text", [("class", "rule-label"), ("x", SVGNumber.text(px + (anchorEnd ? -4 : 4))),
                                ("y", SVGNumber.text(layout.top + 14 + Double(vRuleIndex) * 14)),
                                ("text-anchor", anchorEnd ? "end" : "start"), ("fill", style.color)] + Self.halo, label)
                vRuleIndex += 1
            default: break
            }
        }
        w.close("svg")
        return w.markup
    }

    var isCategorical: Bool {
        if case .categories = chart.x { return true }
        return false
    }

    // MARK: Axes

    func xAxis(_ layout: Layout) -> (LinearScale, [(Double, String)]) {
        switch chart.x {
        case .categories(let labels):
            let scale = LinearScale(domain: (-0.5, Double(labels.count) - 0.5), range: (layout.left, layout.right))
            return (scale, labels.enumerated().map { (Double($0.offset), $0.element) })
        case .dates(let start):
            let xs = allX()
            let lo = xs.min() ?? 0, hi = xs.max() ?? 1
            let scale = LinearScale(domain: (lo, hi > lo ? hi : lo + 1), range: (layout.left, layout.right))
            let ticks = DateTicks.ticks(start: start, firstDay: Int(lo.rounded(.up)), lastDay: Int(hi.rounded(.down)), maxTicks: 9)
            return (scale, ticks.map { (Double($0.day), $0.label) })
        case .numeric:
            let xs = allX()
            let ticks = NiceTicks(lo: xs.min() ?? 0, hi: xs.max() ?? 1, maxTicks: 8)
            let scale = LinearScale(domain: (ticks.lower, ticks.upper), range: (layout.left, layout.right))
            return (scale, Self.tickLabels(ticks, chart.xFormat))
        }
    }

    func yAxis(_ layout: Layout) -> (LinearScale, [(Double, String)]) {
        var lo: Double, hi: Double
        if let fixed = chart.yDomain {
            lo = fixed.0; hi = fixed.1
        } else {
            let ys = allY()
            lo = ys.min() ?? 0; hi = ys.max() ?? 1
            if chart.includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        }
        let ticks = NiceTicks(lo: lo, hi: hi, maxTicks: 7)
        let scale = LinearScale(domain: (ticks.lower, ticks.upper), range: (layout.bottom, layout.top))
        return (scale, Self.tickLabels(ticks, chart.yFormat))
    }

    /// Tick labels, all with the same decimals; from a million up, numbers
    /// print in millions ("1.25 M") so they fit the margin beside the axis.
    static func tickLabels(_ ticks: NiceTicks, _ f: ValueFormat) -> [(Double, String)] {
        let largest = ticks.values.map(abs).max() ?? 0
        guard f == .number, largest >= 1_000_000 else {
            return ticks.values.map { ($0, format($0, ticks.decimals, f)) }
        }
        let scaled = ticks.values.map { $0 / 1_000_000 }
        // The fewest decimals that print every scaled tick exactly.
        let decimals = (0...6).first { d in
            let p = pow(10, Double(d))
            return scaled.allSatisfy { abs(($0 * p).rounded() - $0 * p) < 1e-6 }
        } ?? 6
        return zip(ticks.values, scaled).map { ($0, Format.grouped($1, decimals) + " M") }
    }

    /// Keeps a label within `maxChars`, ending it with "…" when cut (the
    /// full text stays in the SVG `<title>` or the legend's own line).
    static func fit(_ s: String, _ maxChars: Int) -> String {
        guard s.count > maxChars, maxChars > 1 else { return s }
        return String(s.prefix(maxChars - 1)) + "…"
    }

    static func format(_ v: Double, _ decimals: Int, _ f: ValueFormat) -> String {
        switch f {
        case .number: return Format.grouped(v, decimals)
        case .percent: return Format.fixed(v * 100, max(0, decimals - 2)) + " %"
        }
    }

    func allX() -> [Double] {
        var xs: [Double] = []
        for m in chart.marks {
            switch m {
            case .line(_, let p, _), .points(_, let p, _): xs += p.map(\.x)
            case .band(_, let x, _, _, _): xs += x
            case .bars(_, let b, _): xs += b.flatMap { [$0.x0, $0.x1] }
            case .vRule(_, let x, _, _): xs.append(x)
            case .hRule: break
            }
        }
        return xs.filter(\.isFinite)
    }

    func allY() -> [Double] {
        var ys: [Double] = []
        for m in chart.marks {
            switch m {
            case .line(_, let p, _), .points(_, let p, _): ys += p.map(\.y)
            case .band(_, _, let l, let h, _): ys += l + h
            case .bars(_, let b, _): ys += b.flatMap { [$0.y0, $0.y1] }
            case .hRule(_, let y, _, _): ys.append(y)
            case .vRule: break
            }
        }
        return ys.filter(\.isFinite)
    }

    // MARK: Marks

    func hatchID(_ color: String) -> String { "\(chart.id)-hatch-\(Markup.slug(color))" }

    func defs(_ w: inout SVGWriter, _ layout: Layout) {
        w.open("defs")
        w.open("clipPath", [("id", "\(chart.id)-clip")])
        w.empty("rect", [("x", SVGNumber.text(layout.left)), ("y", SVGNumber.text(layout.top)),
                         ("width", SVGNumber.text(layout.plotWidth)), ("height", SVGNumber.text(layout.plotHeight))])
        w.close("clipPath")
        var seen: Set<String> = []
        for m in chart.marks where m.style.hatched && seen.insert(m.style.color).inserted {
            w.open("pattern", [("id", hatchID(m.style.color)), ("patternUnits", "userSpaceOnUse"), ("width", "7"), ("height", "7"),
                               ("patternTransform", "rotate(45)")])
            w.empty("rect", [("width", "7"), ("height", "7"), ("fill", m.style.color)])
            w.empty("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "7"), ("stroke", "#ffffff"), ("stroke-width", "3")])
            w.close("pattern")
        }
        w.close("defs")
    }

    func fill(_ s: SeriesStyle) -> String { s.hatched ? "url(#\(hatchID(s.color)))" : s.color }

    func strokeAttributes(_ s: SeriesStyle) -> [(String, String)] {
        var a: [(String, String)] = [("fill", "none"), ("stroke", s.color), ("stroke-width", SVGNumber.text(s.width)),
                                     ("stroke-linejoin", "round")]
        if let d = s.dash { a.append(("stroke-dasharray", d)) }
        return a
    }

    func draw(_ mark: ChartMark, index: Int, _ w: inout SVGWriter, _ layout: Layout, _ xs: LinearScale, _ ys: LinearScale) {
        switch mark {
        case .line(let name, let points, let style):
            w.empty("path", [("class", "series line"), ("data-series", name ?? "")]
                    + [("d", svgPathData(points.map { (xs($0.x), ys($0.y)) }))] + strokeAttributes(style))
            if let shape = style.marker {
                // About ten markers per line, offset per series so they do not stack.
                let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
                let every = max(1, finite.count / 10)
                for (i, p) in finite.enumerated() where (i + index * every / 3) % every == 0 {
                    marker(shape, at: (xs(p.x), ys(p.y)), style: style, &w)
                }
            }
        case .band(let name, let x, let low, let high, let style):
            let n = min(x.count, low.count, high.count)
            guard n > 0 else { return }
            let upper = (0..<n).map { (xs(x[$0]), ys(high[$0])) }
            let lower = (0..<n).reversed().map { (xs(x[$0]), ys(low[$0])) }
            w.empty("path", [("class", "series band"), ("data-series", name ?? ""), ("d", svgPathData(upper + lower) + " Z"),
                             ("fill", fill(style)), ("fill-opacity", Format.fixed(style.opacity, 2)), ("stroke", "none")])
        case .bars(let name, let bars, let style):
            w.open("g", [("class", "series bars"), ("data-series", name ?? "")])
            for b in bars {
                let x0 = xs(min(b.x0, b.x1)), x1 = xs(max(b.x0, b.x1))
                let yTop = ys(max(b.y0, b.y1)), yBottom = ys(min(b.y0, b.y1))
                w.empty("rect", [("x", SVGNumber.text(x0)), ("y", SVGNumber.text(yTop)), ("width", SVGNumber.text(max(0.5, x1 - x0))),
                                 ("height", SVGNumber.text(max(0.5, yBottom - yTop))), ("fill", fill(style)),
                                 ("fill-opacity", Format.fixed(style.opacity, 2)), ("stroke", "#333333"), ("stroke-width", "0.6")])
                if let label = b.label {
                    let below = b.y1 < b.y0
                    w.text("text", [("class", "bar-label"), ("x", SVGNumber.text((x0 + x1) / 2)),
                                    ("y", SVGNumber.text(below ? yBottom + 13 : yTop - 4)), ("text-anchor", "middle"), ("font-size", "11")], label)
                }
            }
            w.close("g")
        case .points(let name, let points, let style):
            w.open("g", [("class", "series points"), ("data-series", name ?? "")])
            for p in points where p.x.isFinite && p.y.isFinite {
                marker(style.marker ?? .circle, at: (xs(p.x), ys(p.y)), style: style, &w, size: 5)
            }
            w.close("g")
        case .hRule(let name, let y, _, let style):
            let py = ys(y)
            w.empty("line", [("class", "rule"), ("data-series", name ?? ""), ("x1", SVGNumber.text(layout.left)), ("x2", SVGNumber.text(layout.right)),
                             ("y1", SVGNumber.text(py)), ("y2", SVGNumber.text(py))] + strokeAttributes(style))
        case .vRule(let name, let x, _, let style):
            let px = xs(x)
            w.empty("line", [("class", "rule"), ("data-series", name ?? ""), ("x1", SVGNumber.text(px)), ("x2", SVGNumber.text(px)),
                             ("y1", SVGNumber.text(layout.top)), ("y2", SVGNumber.text(layout.bottom))] + strokeAttributes(style))
        }
    }

    func marker(_ shape: MarkerShape, at p: (Double, Double), style: SeriesStyle, _ w: inout SVGWriter, size r: Double = 3.5) {
        let (x, y) = p
        let common: [(String, String)] = [("fill", style.color), ("stroke", "#ffffff"), ("stroke-width", "0.8")]
        switch shape {
        case .circle:
            w.empty("circle", [("cx", SVGNumber.text(x)), ("cy", SVGNumber.text(y)), ("r", SVGNumber.text(r))] + common)
        case .square:
            w.empty("rect", [("x", SVGNumber.text(x - r)), ("y", SVGNumber.text(y - r)), ("width", SVGNumber.text(2 * r)),
                             ("height", SVGNumber.text(2 * r))] + common)
        case .triangle:
            w.empty("path", [("d", svgPathData([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]) + " Z")] + common)
        case .diamond:
            w.empty("path", [("d", svgPathData([(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)]) + " Z")] + common)
        case .cross:
            w.empty("path", [("d", "M\(SVGNumber.text(x - r)) \(SVGNumber.text(y - r)) L\(SVGNumber.text(x + r)) \(SVGNumber.text(y + r)) "
                                   + "M\(SVGNumber.text(x - r)) \(SVGNumber.text(y + r)) L\(SVGNumber.text(x + r)) \(SVGNumber.text(y - r))"),
                             ("fill", "none"), ("stroke", style.color), ("stroke-width", "2")])
        }
    }

    // MARK: Legend

    func legendItems() -> [ChartMark] {
        var seen: Set<String> = []
        return chart.marks.filter { m in
            guard let n = m.name, !n.isEmpty else { return false }
            return seen.insert(n).inserted
        }
    }

    static let legendChars = 70

    func itemWidth(_ m: ChartMark) -> Double { 34 + Double(Self.fit(m.name ?? "", Self.legendChars).count) * Self.charWidth + 18 }

    func layoutLegend(_ items: [ChartMark], width: Double) -> [[ChartMark]] {
        var rows: [[ChartMark]] = []
        var current: [ChartMark] = []
        var used = 0.0
        for item in items {
            let w = itemWidth(item)
            if !current.isEmpty, used + w > width {
                rows.append(current)
                current = []
                used = 0
            }
            current.append(item)
            used += w
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }

    func drawLegend(_ w: inout SVGWriter, _ rows: [[ChartMark]], top: Double) {
        w.open("g", [("class", "legend")])
        for (r, row) in rows.enumerated() {
            let total = row.map(itemWidth).reduce(0, +)
            var x = max(8, (chart.width - total) / 2)
            let y = top + Double(r) * 20 + 8
            for item in row {
                w.open("g", [("class", "legend-item")])
                let s = item.style
                switch item {
                case .band:
                    w.empty("rect", [("x", SVGNumber.text(x)), ("y", SVGNumber.text(y - 6)), ("width", "28"), ("height", "12"),
                                     ("fill", fill(s)), ("fill-opacity", Format.fixed(s.opacity, 2))])
                case .bars:
                    w.empty("rect", [("x", SVGNumber.text(x + 6)), ("y", SVGNumber.text(y - 6)), ("width", "16"), ("height", "12"),
                                     ("fill", fill(s)), ("fill-opacity", Format.fixed(s.opacity, 2)), ("stroke", "#333333"), ("stroke-width", "0.6")])
                case .points:
                    marker(s.marker ?? .circle, at: (x + 14, y), style: s, &w, size: 5)
                default:
                    w.empty("line", [("x1", SVGNumber.text(x)), ("x2", SVGNumber.text(x + 28)), ("y1", SVGNumber.text(y)),
                                     ("y2", SVGNumber.text(y))] + strokeAttributes(s))
                    if case .line = item, let shape = s.marker { marker(shape, at: (x + 14, y), style: s, &w) }
                }
                w.text("text", [("x", SVGNumber.text(x + 34)), ("y", SVGNumber.text(y + 4))], Self.fit(item.name ?? "", Self.legendChars))
                w.close("g")
                x += itemWidth(item)
            }
        }
        w.close("g")
    }

    /// Splits a category label into lines that fit `width` pixels.
    func wrap(_ label: String, width: Double) -> [String] {
        let maxChars = max(4, Int(width / Self.charWidth))
        var lines: [String] = []
        var current = ""
        for word in label.split(separator: " ") {
            if current.isEmpty { current = String(word) } else if current.count + 1 + word.count <= maxChars { current += " " + word } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : Array(lines.prefix(3))
    }
}
