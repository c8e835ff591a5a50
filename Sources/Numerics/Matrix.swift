/// A dense row-major matrix: `rows` × `columns` scalars in one contiguous buffer.
///
/// A batch of B samples of a layer with n units is a B × n matrix (one sample per row), so
/// every batched kernel is one BLAS call. Element access by subscript is bounds-checked and
/// meant for tests and set-up; hot loops use `withUnsafeBufferPointer` and friends.
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable {
    public var rows: Int { _rows }
    public var columns: Int { _columns }
    @usableFromInline var _rows: Int
    @usableFromInline var _columns: Int
    /// The elements, row after row.
    public var elements: [Scalar]

    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix sizes must be non-negative")
        self._rows = rows
        self._columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    @inlinable
    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(elements.count == rows * columns,
                     "a \(rows)×\(columns) matrix needs \(rows * columns) elements, got \(elements.count)")
        self._rows = rows
        self._columns = columns
        self.elements = elements
    }

    /// A matrix whose rows are the given arrays (all of the same length).
    @inlinable
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "rows of different lengths")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    @inlinable public var count: Int { rows * columns }
    @inlinable public var shape: (rows: Int, columns: Int) { (rows, columns) }

    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            elements[row * columns + column] = newValue
        }
    }

    /// One row as an array (a copy).
    @inlinable
    public func row(_ r: Int) -> [Scalar] {
        Array(elements[(r * columns)..<((r + 1) * columns)])
    }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer(body)
    }

    /// Changes the number of rows, keeping the first rows' contents; new rows are zero.
    /// Reuses the buffer when it shrinks, so a batch buffer can serve a short last batch.
    @inlinable
    public mutating func resize(rows newRows: Int) {
        precondition(newRows >= 0)
        if newRows * columns < elements.count {
            elements.removeLast(elements.count - newRows * columns)
        } else if newRows * columns > elements.count {
            elements.append(contentsOf: repeatElement(0, count: newRows * columns - elements.count))
        }
        _rows = newRows
    }

    /// Makes this matrix a copy of rows `range` of `source` (same column count), reusing the
    /// buffer when it is large enough.
    @inlinable
    public mutating func assignRows(_ range: Range<Int>, of source: Matrix) {
        precondition(range.lowerBound >= 0 && range.upperBound <= source.rows && columns == source.columns)
        resize(rows: range.count)
        let n = columns
        source.elements.withUnsafeBufferPointer { src in
            elements.withUnsafeMutableBufferPointer { dst in
                dst.baseAddress!.update(from: src.baseAddress! + range.lowerBound * n, count: range.count * n)
            }
        }
    }

    /// A copy of rows `range`.
    @inlinable
    public func rows(_ range: Range<Int>) -> Matrix {
        var m = Matrix(rows: 0, columns: columns)
        m.assignRows(range, of: self)
        return m
    }

    /// Overwrites rows `start ..< start + source.rows` with `source`.
    @inlinable
    public mutating func writeRows(startingAt start: Int, from source: Matrix) {
        precondition(start >= 0 && start + source.rows <= rows && columns == source.columns)
        let n = columns
        source.elements.withUnsafeBufferPointer { src in
            elements.withUnsafeMutableBufferPointer { dst in
                (dst.baseAddress! + start * n).update(from: src.baseAddress!, count: source.count)
            }
        }
    }

    /// The transpose (a copy).
    @inlinable
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for r in 0..<rows { for c in 0..<columns { t.elements[c * rows + r] = elements[r * columns + c] } }
        return t
    }

    /// Sets every element to `value`.
    @inlinable
    public mutating func fill(_ value: Scalar) {
        elements.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = value }
        }
    }

    /// The same numbers in another precision.
    @inlinable
    public func converted<Other: BLASScalar>(to: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, elements: elements.map { Other($0) })
    }

    /// Largest |aᵢ − bᵢ| over all elements.
    @inlinable
    public func maxAbsDifference(_ other: Matrix) -> Scalar {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch")
        var m: Scalar = 0
        for i in 0..<elements.count { m = Swift.max(m, abs(elements[i] - other.elements[i])) }
        return m
    }

    /// True when every element is finite (no NaN, no ±∞).
    @inlinable
    public var isFinite: Bool {
        elements.withUnsafeBufferPointer { p in
            var ok = true
            for x in p where !x.isFinite { ok = false; break }
            return ok
        }
    }
}

public typealias FloatMatrix = Matrix<Float>
public typealias DoubleMatrix = Matrix<Double>
