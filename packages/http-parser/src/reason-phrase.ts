/**
 * Reason phrases of the status codes in the IANA HTTP Status Code Registry, as RFC 9110
 * section 15 names them (413 "Content Too Large", 422 "Unprocessable Content"), plus the
 * registered codes defined elsewhere (102, 103, 207, 208, 226, 421, 423-425, 428, 429, 431,
 * 451, 506-508, 510, 511). Kept here rather than taken from `node:http`, whose import alone
 * adds megabytes to a process that serves HTTP without it.
 */
const PHRASES: readonly (readonly [number, string])[] = [
  [100, 'Continue'],
  [101, 'Switching Protocols'],
  [102, 'Processing'],
  [103, 'Early Hints'],
  [200, 'OK'],
  [201, 'Created'],
  [202, 'Accepted'],
  [203, 'Non-Authoritative Information'],
  [204, 'No Content'],
  [205, 'Reset Content'],
  [206, 'Partial Content'],
  [207, 'Multi-Status'],
  [208, 'Already Reported'],
  [226, 'IM Used'],
  [300, 'Multiple Choices'],
  [301, 'Moved Permanently'],
  [302, 'Found'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [305, 'Use Proxy'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Timeout'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Content Too Large'],
  [414, 'URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Range Not Satisfiable'],
  [417, 'Expectation Failed'],
  [421, 'Misdirected Request'],
  [422, 'Unprocessable Content'],
  [423, 'Locked'],
  [424, 'Failed Dependency'],
  [425, 'Too Early'],
  [426, 'Upgrade Required'],
  [428, 'Precondition Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [451, 'Unavailable For Legal Reasons'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
  [505, 'HTTP Version Not Supported'],
  [506, 'Variant Also Negotiates'],
  [507, 'Insufficient Storage'],
  [508, 'Loop Detected'],
  [510, 'Not Extended'],
  [511, 'Network Authentication Required'],
];

/** Indexed by status code (100-599); a hole where no phrase is registered. */
const BY_STATUS: string[] = [];
for (const [status, phrase] of PHRASES) BY_STATUS[status] = phrase;

/**
 * The registered reason phrase of `status` (RFC 9110 section 15), or `''` for a code without
 * one: an empty reason phrase is valid on the wire (RFC 9112 section 4).
 *
 * @example
 * ```ts
 * import { reasonPhrase } from '@pingora-ts/http-parser';
 *
 * reasonPhrase(413); // 'Content Too Large'
 * reasonPhrase(299); // ''
 * ```
 */
export function reasonPhrase(status: number): string {
  return BY_STATUS[status] ?? '';
}
