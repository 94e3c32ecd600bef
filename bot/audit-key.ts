// The audit signing key: an Ed25519 private key in a PEM file (COUNTERSIGN_AUDIT_KEY_FILE, by default
// DATA_DIR/audit-signing-key.pem, created on first start). Replicas on one PostgreSQL must share the file;
// a rotated key's public half goes into COUNTERSIGN_AUDIT_TRUSTED_KEYS so older checkpoints still verify.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AuditKeys } from "../handlers/audit-checkpoints.ts";
import { keyIdOf, trustedKeys } from "../handlers/audit-proof.ts";
import type { AuditConfig } from "./config.ts";
import { readOrCreateKeyFile } from "./key-file.ts";

export function loadAuditKeys(config: AuditConfig): AuditKeys {
  const pem = readOrCreateKeyFile(config.keyFile, () =>
    generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${config.keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new Error(
      `${config.keyFile} holds a ${privateKey.asymmetricKeyType} key; the audit key is Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const earlier = config.trustedKeyFiles.map((file) => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`COUNTERSIGN_AUDIT_TRUSTED_KEYS: cannot read ${file}: ${(err as Error).message}`);
    }
  });
  return {
    signer: { privateKey, keyId: keyIdOf(publicKey), publicKey: publicPem },
    trusted: trustedKeys([publicPem, ...earlier]),
  };
}
