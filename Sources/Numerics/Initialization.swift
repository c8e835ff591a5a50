extension Matrix {
    /// Xavier/Glorot uniform initialization (Glorot & Bengio 2010): entries uniform in
    /// [−a, a] with a = gain·√(6 / (fanIn + fanOut)), where fanIn = `rows` and fanOut =
    /// `columns` (a weight matrix maps a row vector of `rows` inputs to `columns` outputs).
    /// This is the initialization of O'Connor et al. 2019 (Sec. 4).
    public static func xavierUniform(rows: Int, columns: Int, gain: Double = 1,
                                     using rng: inout SeededGenerator) -> Matrix {
        let a = gain * (6.0 / Double(rows + columns)).squareRoot()
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.elements.count { m.elements[i] = Scalar(rng.uniform(-a, a)) }
        return m
    }

    /// Entries uniform in [low, high).
    public static func uniform(rows: Int, columns: Int, in range: ClosedRange<Double>,
                               using rng: inout SeededGenerator) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.elements.count { m.elements[i] = Scalar(rng.uniform(range.lowerBound, range.upperBound)) }
        return m
    }
}
