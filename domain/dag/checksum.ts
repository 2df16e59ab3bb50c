/**
 * The `node_ids_crc32` a client may send with a DAG (SPEC §6). As QMTL's
 * crc32_of_list computes it: zlib's CRC-32 chained over each node id's UTF-8
 * in submitted order, i.e. the CRC-32 of the ids concatenated with no
 * separator, as an unsigned 32-bit integer.
 */
import { utf8ToBytes } from '@noble/hashes/utils';

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the one zlib.crc32 computes.
const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** zlib.crc32(bytes, crc): continues from `crc` so a CRC can be chained over pieces. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of bytes) c = TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function nodeIdsCrc32(nodeIds: readonly string[]): number {
  return nodeIds.reduce((crc, id) => crc32(utf8ToBytes(id), crc), 0);
}
