// Request fields several routes share, validated the same way everywhere.
import { z } from "zod";

/** The person an agent acts for (separation of duties): an email, compared without regard to case. */
export const requestedBy = z
  .email({ message: "must be the email address of the person the agent acts for" })
  .max(320, "must be at most 320 characters")
  .transform((email) => email.toLowerCase());
