import Foundation
import JWTKit

/// The JSON decoder jwt-kit's parser uses for our tokens: a fast path for the flat header
/// and claim set Superset sends (`FlatJSONObject`), and Foundation's `JSONDecoder`
/// (jwt-kit's default, one instance reused) for everything else.
///
/// A handshake decodes two small JSON objects; through `JSONDecoder` they were about a
/// tenth of a worker's CPU under a burst of handshakes. Parsing and signature checks stay
/// jwt-kit's: this only turns already-split, already-base64-decoded JSON into values.
struct ClaimsJSONDecoder: JWTJSONDecoder {
    private let fallback: any JWTJSONDecoder = .defaultForJWT

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if T.self == SupersetClaims.self, let claims = FlatJSONObject.parse(data).flatMap(SupersetClaims.init(flat:)) {
            return claims as! T
        }
        if T.self == JWTHeader.self, let object = FlatJSONObject.parse(data) {
            return JWTHeader(flat: object) as! T
        }
        return try fallback.decode(type, from: data)
    }
}

extension SupersetClaims {
    /// As `init(from:)` decodes the same object; nil where it would throw (a present
    /// `exp` or `nbf` that is not a number), so that the caller's fallback raises it.
    init?(flat object: FlatJSONObject) {
        var strings: [String: String] = [:]
        var exp: Double?
        var nbf: Double?
        for (key, value) in object.members {
            switch (key, value) {
            case ("exp", .number(let number)): exp = number
            case ("nbf", .number(let number)): nbf = number
            case ("exp", _), ("nbf", _): return nil
            case (_, .string(let string)): strings[key] = string
            default: break
            }
        }
        self.init(exp: exp, nbf: nbf, strings: strings)
    }
}

extension JWTHeader {
    /// As `JWTHeaderField.init(from:)` decodes flat values: a number is `.int` when it is
    /// a whole `Int`, else `.decimal`.
    init(flat object: FlatJSONObject) {
        var fields: [String: JWTHeaderField] = [:]
        for (key, value) in object.members {
            switch value {
            case .string(let string): fields[key] = .string(string)
            case .number(let number): fields[key] = Int(exactly: number).map(JWTHeaderField.int) ?? .decimal(number)
            case .bool(let bool): fields[key] = .bool(bool)
            case .null: fields[key] = .null
            }
        }
        self.init(fields: fields)
    }
}
