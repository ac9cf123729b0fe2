"""One typed place for every setting (environment variables or `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "dvd_admin"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Database: an external server when set, otherwise the embedded one in pagila_home.
    pagila_dsn: str | None = None
    pagila_home: Path = Path(".pagila")
    pagila_host: str = "127.0.0.1"
    pagila_port: int = 8000
    pagila_staff_id: int = Field(default=1, gt=0)
    db_pool_size: int = Field(default=20, gt=0)  # >= the concurrency it serves: no churn

    admin_token: SecretStr = SecretStr(DEFAULT_ADMIN_TOKEN)
    chainlit_auth_secret: SecretStr | None = None  # signs sign-in cookies (assistant.security)

    # The address clerks open the front desk at (comma-separated if several): the only origins
    # the chat's socket, its cookies and the REST API's CORS accept. Unset: this machine's
    # http://localhost and http://127.0.0.1 at PAGILA_PORT (the demo).
    pagila_public_url: str | None = None
    # Proxies (IPs or networks, comma-separated) whose X-Forwarded-For is believed; unset, a
    # client's address is the connection's (sign-in throttling counts per address).
    pagila_trusted_proxies: str = ""
    pagila_session_hours: float = Field(default=8, gt=0, le=24 * 7)  # one shift

    llm_mode: Literal["offline", "openai"] = "offline"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"

    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    log_libraries: str = "WARNING"  # Semantic Kernel, openai, httpx: they log chat text at INFO

    @property
    def secrets(self) -> list[str]:
        """Values no log line may hold."""
        held = (self.admin_token, self.openai_api_key, self.chainlit_auth_secret)
        return [value.get_secret_value() for value in held if value]

    @property
    def allowed_origins(self) -> list[str]:
        """The origins (scheme://host[:port]) the front desk is served at."""
        if not self.pagila_public_url:
            return [f"http://localhost:{self.pagila_port}", f"http://127.0.0.1:{self.pagila_port}"]
        return list(dict.fromkeys(origin_of(url) for url in self.pagila_public_url.split(",")))

    @property
    def served_over_https(self) -> bool:
        return all(origin.startswith("https://") for origin in self.allowed_origins)

    @property
    def session_seconds(self) -> int:
        return round(self.pagila_session_hours * 3600)

    @property
    def uses_default_admin_token(self) -> bool:
        return self.admin_token.get_secret_value() == DEFAULT_ADMIN_TOKEN


def origin_of(url: str) -> str:
    """`https://desk.example.com/chat` -> `https://desk.example.com`, as a browser's Origin
    header says it (lower case, no default port)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"PAGILA_PUBLIC_URL: {url.strip()!r} is not an http(s) URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 443 if parts.scheme == "https" else 80
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{host}{port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
