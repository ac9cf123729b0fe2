// A masked field for the admin token. Its value goes back to the server only through
// submitElement: it is never shown, stored as a chat message, or sent to the model.
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

export default function AdminToken() {
  const [token, setToken] = useState("");
  const submit = (event) => {
    event.preventDefault();
    if (token) submitElement({ token });
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-2 max-w-sm" id="admin-token-form">
      <label htmlFor="admin-token" className="text-sm text-muted-foreground">
        {props.prompt || "Admin token"}
      </label>
      <Input
        id="admin-token"
        type="password"
        autoComplete="off"
        autoFocus
        value={token}
        onChange={(e) => setToken(e.target.value)}
      />
      <div className="flex gap-2">
        <Button id="admin-token-submit" type="submit" disabled={!token}>Confirm</Button>
        <Button id="admin-token-cancel" type="button" variant="outline" onClick={() => cancelElement()}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
