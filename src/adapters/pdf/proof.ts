/** What the proof pages show: photos by category, the signature, time and place, and the approval log. */
export type Proof = {
  photos: { category: string; image: Buffer; capturedAt: string | null }[];
  signature: { image: Buffer | null; signerName: string; signedAt: string } | null;
  signatureException: string | null;
  completion: { at: string | null; latitude: number | null; longitude: number | null } | null;
  workPerformed: { checklist: string[]; notes: string } | null;
  approvals: { at: string; by: string; decision: string; comment: string | null; rules: string[] }[];
};

export const EMPTY_PROOF: Proof = {
  photos: [],
  signature: null,
  signatureException: null,
  completion: null,
  workPerformed: null,
  approvals: [],
};
