/**
 * What the player needs from a transport: send one message, get the ACK text back.
 * `MllpClient` of @circulator/hl7 satisfies it; tests pass a fake.
 */
export interface HL7Sender {
  send(message: string): Promise<string>;
}
